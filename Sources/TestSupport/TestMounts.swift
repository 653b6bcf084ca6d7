import Foundation
import JobletCore

/// Mounts a test leaves when it kills a worker (its job disks stay mounted until a worker starts on the
/// same state dir again, which a test never does): unmount them before deleting the test's directory.
public enum TestMounts {
    /// Lazily unmounts every mount point under `directory`, deepest first; the loop devices of job
    /// disks detach with their last mount (autoclear).
    public static func unmountAll(under directory: String) {
        for point in MountTable.current().mountPoints(under: directory) { _ = umount2(point, Int32(MNT_DETACH)) }
    }

    /// Mounts (mount point or root) and loop devices (backing files) that mention `path`: what must be
    /// gone after a disk under it is. A deleted image reads "<path> (deleted)": still matched.
    public static func diskTraces(mentioning path: String) -> [String] {
        let mounts = MountTable.current().mounts.filter { $0.mountPoint.contains(path) || $0.root.contains(path) }
            .map { "mount \($0.mountPoint) (\($0.type), root \($0.root))" }
        let loops = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? [])
            .filter { $0.hasPrefix("loop") }
            .compactMap { try? String(contentsOfFile: "/sys/block/\($0)/loop/backing_file", encoding: .utf8) }
            .filter { $0.contains(path) }
        return mounts + loops
    }

    /// `traces()` once it is empty, else what is left after `tries` reads 20 ms apart (a loop device
    /// detaches a moment after a lazy unmount, a worker's disk after the result it follows).
    public static func settled(tries: Int, _ traces: () -> [String]) async -> [String] {
        for _ in 0..<tries {
            if traces().isEmpty { return [] }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return traces()
    }
}
