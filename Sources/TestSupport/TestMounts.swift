#if canImport(Glibc)
    import Glibc
#endif

/// Mounts a test leaves when it kills a worker (its job disks stay mounted until a worker starts on the
/// same state dir again, which a test never does): unmount them before deleting the test's directory.
public enum TestMounts {
    /// Lazily unmounts every mount point under `directory`, deepest first; the loop devices of job
    /// disks detach with their last mount (autoclear).
    public static func unmountAll(under directory: String) {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        guard let file = fopen("/proc/self/mountinfo", "re") else { return }
        var points: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(separator: " ")
            if fields.count > 4, fields[4].hasPrefix(prefix) { points.append(String(fields[4])) }
        }
        free(line)
        fclose(file)
        for point in points.sorted(by: { $0.count > $1.count }) { _ = umount2(point, Int32(MNT_DETACH)) }
    }
}
