#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Space and inodes of a mounted filesystem, from statvfs(3).
public struct DiskUsage: Sendable, Equatable {
    public var totalBytes: Int64
    /// What an unprivileged writer (the job) can still use.
    public var availableBytes: Int64
    public var usedInodes: Int64
    public var availableInodes: Int64

    static func of(_ path: String) throws(SandboxError) -> DiskUsage {
        var info = statvfs()
        try System.call("statvfs \(path)") { statvfs(path, &info) }
        let block = Int64(info.f_frsize > 0 ? info.f_frsize : info.f_bsize)
        return DiskUsage(
            totalBytes: Int64(info.f_blocks) * block, availableBytes: Int64(info.f_bavail) * block,
            usedInodes: Int64(info.f_files) - Int64(info.f_ffree), availableInodes: Int64(info.f_favail))
    }

    /// Writes fail, or are about to, with ENOSPC: no inode left, or so little space that ext4 refuses
    /// more (it stops a writer with about 1 MiB still shown free: its own reserve). The margin is
    /// 1/256 of the disk, at least 2 MiB and at most 16 MiB.
    public var isNearlyFull: Bool {
        availableInodes == 0 || availableBytes <= min(max(2 << 20, totalBytes / 256), 16 << 20)
    }
}
