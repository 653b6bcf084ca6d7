#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Read-only questions about host paths, asked while planning a sandbox.
enum HostFile {
    enum Kind: Equatable { case missing, directory, file, symlink, other }

    /// The type of `path` itself (symlinks are not followed).
    static func type(_ path: String) -> Kind { kind(path, follow: false) }

    /// The type of what `path` resolves to.
    static func resolvedType(_ path: String) -> Kind { kind(path, follow: true) }

    private static func kind(_ path: String, follow: Bool) -> Kind {
        var st = stat()
        let rc = follow ? stat(path, &st) : lstat(path, &st)
        guard rc == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
