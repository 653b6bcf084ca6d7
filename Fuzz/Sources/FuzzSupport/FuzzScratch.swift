#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Files for targets that must touch the disk (archive extraction). Failures trap: a fuzz target that
/// cannot set up its input is broken, not the code under test.
public enum FuzzScratch {
    /// A fresh directory under $TMPDIR (scripts/fuzz points it at its scratch dir).
    public static func makeRoot(prefix: String) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp in \(base): errno \(errno)") }
        return String(cString: made)
    }

    public static func makeDirectory(_ path: String) {
        guard mkdir(path, 0o700) == 0 else { fatalError("mkdir \(path): errno \(errno)") }
    }

    public static func write(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("open \(path): errno \(errno)") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { fatalError("write \(path): errno \(errno)") }
            offset += written
        }
    }

    /// Names in a directory, without . and ..
    public static func entries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a tree without following symlinks; makes directories writable first, as an archive may
    /// have extracted a read-only one.
    public static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            chmod(path, 0o700)
            for name in entries(path) { remove("\(path)/\(name)") }
            guard rmdir(path) == 0 else { fatalError("rmdir \(path): errno \(errno)") }
        } else {
            guard unlink(path) == 0 else { fatalError("unlink \(path): errno \(errno)") }
        }
    }
}
