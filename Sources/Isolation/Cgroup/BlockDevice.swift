#if canImport(Glibc)
    import Glibc
#endif

/// A whole block device, as io.max and blkio.throttle name it (`MAJ:MIN`).
struct BlockDevice: Sendable, Equatable, CustomStringConvertible {
    var major: UInt32
    var minor: UInt32

    var description: String { "\(major):\(minor)" }

    /// The disk holding `path`: `stat(path).st_dev`, with a partition resolved to its whole disk
    /// through sysfs. Nil when the filesystem has no block device (tmpfs, overlay, btrfs subvolume, 9p).
    static func holding(_ path: String) throws -> BlockDevice? {
        var info = stat()
        try CgroupFS.syscall("stat", path) { Int(stat(path, &info)) }
        let dev = UInt64(info.st_dev)
        let major = UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
        let minor = UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
        let sysfs = "/sys/dev/block/\(major):\(minor)"
        guard major != 0, CgroupFS.exists(sysfs) else { return nil }
        guard CgroupFS.exists(sysfs + "/partition") else { return BlockDevice(major: major, minor: minor) }
        // A partition's sysfs directory sits inside its disk's directory.
        let parent = CgroupFS.trimmed(try CgroupFS.read(sysfs + "/../dev"))
        let parts = parent.split(separator: ":")
        guard parts.count == 2, let diskMajor = UInt32(parts[0]), let diskMinor = UInt32(parts[1]) else {
            throw CgroupError(.system, "cannot parse \(sysfs)/../dev: \"\(parent)\"")
        }
        return BlockDevice(major: diskMajor, minor: diskMinor)
    }
}
