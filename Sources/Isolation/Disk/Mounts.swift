#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore

/// mount(2)/umount2(2) for the job disks, and the mount points (of `MountTable`) to unmount.
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

    /// Mount points strictly under `directory` in this mount namespace, deepest first (the order
    /// to unmount them in).
    static func mountPoints(under directory: String) -> [String] { MountTable.current().mountPoints(under: directory) }
}
