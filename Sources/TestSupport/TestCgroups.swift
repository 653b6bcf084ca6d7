#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// The cgroups a test worker leaves: a worker keeps its own (`joblet-<id>.slice` on v2, `joblet-<id>`
/// in each v1 hierarchy) for its next start, and one killed mid-job leaves that job's too. Test workers
/// never start again under the same id, so their tests remove them.
public enum TestCgroups {
    static let root = "/sys/fs/cgroup"

    /// Removes the worker's cgroup directories, deepest first; one that still holds a process stays.
    public static func removeWorker(_ workerID: String) {
        let hierarchies = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { root + "/" + $0 }
        for parent in [root] + hierarchies {
            removeEmptyTree(parent + "/joblet-" + workerID + ".slice")
            removeEmptyTree(parent + "/joblet-" + workerID)
        }
    }

    private static func removeEmptyTree(_ path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for entry in entries { removeEmptyTree(path + "/" + entry) }  // control files are not directories
        _ = rmdir(path)
    }
}
