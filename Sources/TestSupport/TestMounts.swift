#if canImport(Glibc)
    import Glibc
#endif
import JobletCore

/// Mounts a test leaves when it kills a worker (its job disks stay mounted until a worker starts on the
/// same state dir again, which a test never does): unmount them before deleting the test's directory.
public enum TestMounts {
    /// Lazily unmounts every mount point under `directory`, deepest first; the loop devices of job
    /// disks detach with their last mount (autoclear).
    public static func unmountAll(under directory: String) {
        for point in MountTable.current().mountPoints(under: directory) { _ = umount2(point, Int32(MNT_DETACH)) }
    }
}
