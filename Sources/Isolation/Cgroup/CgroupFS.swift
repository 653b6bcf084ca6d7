#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore
import SystemCalls

/// Every file and syscall of the cgroup layer goes through here: EINTR is retried (SystemCalls) and
/// a failure becomes a `CgroupError` naming the call and the file.
enum CgroupFS {
    /// Runs `body` until it does not fail with EINTR; throws naming `call` and `path` on failure.
    @discardableResult
    static func syscall(_ call: String, _ path: String, _ body: () -> Int) throws -> Int {
        do {
            return try retryingOnInterrupt(body)
        } catch {
            var failure = CgroupError(.system, "\(call) \(path) failed", cause: cause(error.code, call: call))
            failure.errnoCode = error.code
            throw failure
        }
    }

    /// The cause text of a failed call: "open: No such file or directory (errno 2)".
    static func cause(_ code: Int32, call: String) -> String {
        "\(call): \(Errno(code))"
    }

    /// Writes `value` to a cgroup control file in a single write(2), as the kernel expects.
    static func write(_ value: String, to path: String) throws {
        try write(value, to: open(path, O_WRONLY), path)
    }

    /// Writes `value` to a control file a kernel or controller may lack; false when it does not exist.
    @discardableResult
    static func writeIfPresent(_ value: String, to path: String) throws -> Bool {
        guard let fd = try openIfPresent(path, O_WRONLY) else { return false }
        try write(value, to: fd, path)
        return true
    }

    /// Reads a whole (small) control file.
    static func read(_ path: String) throws -> String {
        try readAll(open(path, O_RDONLY), path)
    }

    /// Reads a file, or returns nil when it does not exist. One open rather than a check before it:
    /// a job's usage is seven files, any of which a kernel or controller may lack.
    static func readIfPresent(_ path: String) throws -> String? {
        guard let fd = try openIfPresent(path, O_RDONLY) else { return nil }
        return try readAll(fd, path)
    }

    private static func open(_ path: String, _ flags: Int32) throws -> Int32 {
        Int32(try syscall("open", path) { Int(Glibc.open(path, flags | O_CLOEXEC)) })
    }

    /// `open`, or nil when `path` does not exist.
    private static func openIfPresent(_ path: String, _ flags: Int32) throws -> Int32? {
        do { return try open(path, flags) } catch let error as CgroupError where error.errnoCode == ENOENT { return nil }
    }

    /// Writes `value` to `fd` in one write(2) and closes it.
    private static func write(_ value: String, to fd: Int32, _ path: String) throws {
        defer { close(fd) }
        var bytes = Array(value.utf8)
        let count = bytes.count
        do {
            try syscall("write", path) { bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, count) } }
        } catch var error as CgroupError {
            error.message = "cannot write \"\(value)\" to \(path)"
            throw error
        }
    }

    /// Reads `fd` to its end and closes it.
    private static func readAll(_ fd: Int32, _ path: String) throws -> String {
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try syscall("read", path) { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) } }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: result, as: UTF8.self)
    }

    static func trimmed(_ text: String) -> String {
        String(text.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates one directory; returns false if it already existed.
    @discardableResult
    static func mkdir(_ path: String) throws -> Bool {
        do {
            try syscall("mkdir", path) { Int(Glibc.mkdir(path, 0o755)) }
            return true
        } catch let error as CgroupError where error.errnoCode == EEXIST {
            return false
        }
    }

    /// Creates a directory and its missing parents.
    static func mkdirs(_ path: String) throws {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if !isDirectory(prefix) { try mkdir(prefix) }
        }
    }

    static func rmdir(_ path: String) throws {
        try syscall("rmdir", path) { Int(Glibc.rmdir(path)) }
    }

    /// Names of the subdirectories of `path` (empty when it does not exist).
    static func subdirectories(_ path: String) -> [String] {
        DirectoryEntries.subdirectoryNames(of: path).sorted()
    }

    /// The pids listed in a `cgroup.procs` / `tasks` file (empty when it does not exist).
    static func pids(in file: String) -> [Int32] {
        guard let text = try? read(file) else { return [] }
        return text.split(whereSeparator: \.isNewline).compactMap { Int32($0) }
    }

    /// Sends SIGKILL; a process that is already gone is not an error.
    static func sigkill(_ pid: Int32) throws {
        if Glibc.kill(pid, SIGKILL) != 0 && Glibc.errno != ESRCH {
            throw CgroupError(.system, "cannot kill process \(pid)", cause: cause(Glibc.errno, call: "kill"))
        }
    }

    /// Sleeps briefly between polls of a cgroup state the kernel updates asynchronously.
    static func pause(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && Glibc.errno == EINTR { request = remaining }
    }

    /// Parses `key value` lines (cpu.stat, memory.events, cpuacct.stat, memory.oom_control).
    static func keyedValues(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }
}
