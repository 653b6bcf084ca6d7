#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// mount(2)/umount2(2) for the job disks (what is mounted where: `MountTable`).
enum Mounts {
    static func mount(_ source: String, on target: String, type: String, flags: UInt, data: String) throws(SandboxError) {
        try System.call("mount \(source) on \(target)") { Glibc.mount(source, target, type, flags, data) }
    }

    /// Detaches `target` lazily: the filesystem goes (and an autoclear loop device with it) once
    /// the last job namespace that still holds a copy of it is gone. Not mounted is fine.
    static func unmount(_ target: String) throws(SandboxError) {
        do {
            try System.call("umount \(target)") { umount2(target, Int32(MNT_DETACH)) }
        } catch  where error.errno == EINVAL || error.errno == ENOENT {
            return
        }
    }
}
