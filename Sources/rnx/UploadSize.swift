#if canImport(Glibc)
    import Glibc
#endif
import JobletCore
import SystemCalls

/// The upload's `size` field: the total bytes of the files sent, as the user sees them on disk
/// (regular files only; directories and symlinks count as 0, the way `du --apparent-size` counts content).
enum UploadSize {
    /// Sum of the regular files' sizes under `paths`; symlinks are not followed (they are packed as links).
    static func total(of paths: [String]) throws -> Int64 {
        var total: Int64 = 0
        for path in paths { total += try size(of: path) }
        return total
    }

    private static func size(of path: String) throws -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw RNXError(.io, "cannot read --upload \(path): \(errnoText())")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return Int64(info.st_size)
        case S_IFDIR:
            var total: Int64 = 0
            for name in try entries(of: path) { total += try size(of: path + "/" + name) }
            return total
        default:
            return 0
        }
    }

    private static func entries(of directory: String) throws -> [String] {
        do {
            return try DirectoryEntries.names(of: directory)
        } catch let error as JobletError {
            throw RNXError(.io, "cannot read --upload \(directory): \(error.message)", cause: error.cause)
        }
    }
}
