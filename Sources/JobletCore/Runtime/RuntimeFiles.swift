#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import FoundationEssentials
import SystemCalls

/// File-system helpers of the runtime system. Every system call goes through ``IOCall``,
/// which retries `EINTR` and throws a `JobletError` naming the call and path.
package enum RuntimeFiles {
    package static func join(_ base: String, _ name: String) -> String {
        base.hasSuffix("/") ? base + name : base + "/" + name
    }

    /// `path` lexically normalised when it stays inside its base (`./bin/` -> `bin`), else nil.
    package static func containedRelativePath(_ path: String) -> String? {
        guard !path.isEmpty, !path.hasPrefix("/") else { return nil }
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { return nil }
            parts.append(part)
        }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    package static func stat(_ path: String) -> stat? {
        var info = Glibc.stat()
        guard (try? retryingOnInterrupt({ lstat(path, &info) })) != nil else { return nil }
        return info
    }

    package static func isDirectory(_ path: String) -> Bool {
        guard let info = stat(path) else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    package static func exists(_ path: String) -> Bool { stat(path) != nil }

    package static func readText(_ path: String) throws -> String {
        let bytes = try readBytes(path, limit: 1 << 20)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a whole (small) file.
    package static func readBytes(_ path: String, limit: Int) throws -> [UInt8] {
        let fd = try IOCall.run("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try buffer.withUnsafeMutableBytes { raw in
                try IOCall.run("read", path) { Int32(truncatingIfNeeded: read(fd, raw.baseAddress, raw.count)) }
            }
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<Int(count)])
            if result.count > limit {
                throw JobletError(.io, "\(path) is larger than \(limit) bytes")
            }
        }
    }

    /// Streams a file through `body` in chunks.
    package static func forEachChunk(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        let fd = try IOCall.run("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try buffer.withUnsafeMutableBytes { raw in
                try IOCall.run("read", path) { Int32(truncatingIfNeeded: read(fd, raw.baseAddress, raw.count)) }
            }
            if count == 0 { return }
            buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
        }
    }

    /// Directory entries except `.` and `..`, sorted.
    package static func list(_ path: String) throws -> [String] { try DirectoryEntries.names(of: path).sorted() }

    package static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if isDirectory(current) { continue }
            do {
                try IOCall.run("mkdir", current) { mkdir(current, 0o755) }
            } catch  where isDirectory(current) {
                continue  // created concurrently
            }
        }
    }

    /// Creates a fresh private directory `<parent>/<prefix>XXXXXX`.
    package static func makeTemporaryDirectory(in parent: String, prefix: String) throws -> String {
        var template = Array(join(parent, prefix + "XXXXXX").utf8CString)
        let made: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
            return String(cString: result)
        }
        guard let made else {
            throw JobletError(.io, "mkdtemp(\(parent)) failed: \(errnoText())")
        }
        return made
    }

    package static func rename(_ from: String, _ to: String) throws {
        try IOCall.run("rename", "\(from) -> \(to)") { Glibc.rename(from, to) }
    }

    /// The canonical absolute path (symlinks resolved), or nil when it does not exist.
    package static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Modification time in nanoseconds plus inode, for change detection.
    package static func changeStamp(_ path: String) -> (mtime: Int64, inode: UInt64)? {
        guard let info = stat(path) else { return nil }
        let nanos = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return (nanos, UInt64(info.st_ino))
    }
}
