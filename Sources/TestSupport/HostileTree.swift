#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Builds the trees a job could leave behind, the way a job builds them: relative to the directory
/// it is in (`mkdirat`/`openat`), so depth and path length are unlimited.
public enum HostileTree {
    /// A fresh scratch directory (under the temp dir) that the tree goes into.
    public static func scratch(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "joblet-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `depth` directories each named `name` nested under `root` (which is created), with `leaf`
    /// written in the innermost one.
    public static func chain(at root: String, depth: Int, name: String, leaf: String = "data") throws {
        try check("mkdir \(root)", mkdir(root, 0o755))
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check("open \(root)", fd)
        for level in 0..<depth {
            try check("mkdirat level \(level)", mkdirat(fd, name, 0o755))
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(fd)
            try check("openat level \(level)", next)
            fd = next
        }
        defer { close(fd) }
        try write(leaf, to: "leaf", in: fd)
    }

    public static func write(_ text: String, to name: String, in directory: Int32) throws {
        let file = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        try check("create \(name)", file)
        defer { close(file) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) }
        if written != bytes.count { throw HostileTreeError(what: "write \(name)", code: written < 0 ? errno : EIO) }
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// This process's descriptors open on `directory` or below it (a removed directory still shows its
    /// old path): unlike the process-wide count, tests running alongside cannot move it.
    public static func openDescriptors(under directory: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) ?? ""
            return target == directory || target.hasPrefix(directory + "/") || target == directory + " (deleted)"
        }.count
    }

    private static func check(_ what: String, _ result: Int32) throws {
        if result < 0 { throw HostileTreeError(what: what, code: errno) }
    }
}

/// A system call of a test's file-tree set-up failed: `what: <errno text>`.
public struct HostileTreeError: Error, CustomStringConvertible {
    public let description: String

    public init(what: String, code: Int32) { description = "\(what): \(String(cString: strerror(code)))" }
}
