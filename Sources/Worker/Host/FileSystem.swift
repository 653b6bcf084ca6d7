#if canImport(Glibc)
    import Glibc
#endif
import JobletCore
import SystemCalls

/// The few file operations the worker needs, each retrying EINTR and naming the call and path on failure.
/// Removing a tree is `TreeRemoval` (JobletCore): fd-relative, so a job cannot shape its work dir to escape it.
enum FileSystem {
    static func call(_ name: String, _ path: String, _ body: () -> Int32) throws {
        do {
            try retryingOnInterrupt(body)
        } catch {
            throw WorkerError(.io, "\(name) \(path): \(error.text)", cause: "errno \(error.code)")
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
                    throw WorkerError(.io, "mkdir \(current): \(errnoText(code))", cause: "errno \(code)")
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
