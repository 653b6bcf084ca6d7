#if canImport(Glibc)
import Glibc
#endif
import JobletCore

/// The few file operations the worker needs, each retrying EINTR and naming the call and path on failure.
/// Removing a tree is `TreeRemoval` (JobletCore): fd-relative, so a job cannot shape its work dir to escape it.
enum FileSystem {
    static func call(_ name: String, _ path: String, _ body: () -> Int32) throws {
        while true {
            if body() == 0 { return }
            let code = errno
            if code == EINTR { continue }
            throw WorkerError(.io, "\(name) \(path): \(String(cString: strerror(code)))", cause: "errno \(code)")
        }
    }

    /// mkdir -p with `mode` for the directories it creates.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 {
                let code = errno
                guard code == EEXIST else {
                    throw WorkerError(.io, "mkdir \(current): \(String(cString: strerror(code)))", cause: "errno \(code)")
                }
            }
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func chown(_ path: String, uid: UInt32, gid: UInt32) throws {
        try call("chown", path) { Glibc.lchown(path, uid, gid) }
    }
}
