#if canImport(Glibc)
    import Glibc
#endif

/// The names in a directory, without `.` and `..`, in the order the kernel gives them. The one
/// place every module lists a directory.
public enum DirectoryEntries {
    /// Throws `JobletError(.io)` naming the path when it cannot be opened.
    public static func names(of path: String) throws -> [String] {
        try list(path, directoriesOnly: false)
    }

    /// Empty when the directory does not exist or cannot be read.
    public static func namesIfPresent(_ path: String) -> [String] {
        (try? names(of: path)) ?? []
    }

    /// The names of the subdirectories (not symlinks to one), from the entries' types where the file
    /// system gives them (cgroupfs, ext4, tmpfs, proc: no stat per entry), else from `lstat`. Empty
    /// when the directory does not exist or cannot be read.
    public static func subdirectoryNames(of path: String) -> [String] {
        (try? list(path, directoriesOnly: true)) ?? []
    }

    private static func list(_ path: String, directoriesOnly: Bool) throws -> [String] {
        guard let directory = opendir(path) else {
            let code = errno
            throw IOCall.failed("opendir", path, code)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != "." && name != ".." else { continue }
            if directoriesOnly {
                switch Int32(entry.pointee.d_type) {
                case Int32(DT_DIR): break
                case Int32(DT_UNKNOWN):
                    var info = stat()
                    guard lstat(path + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
                default: continue
                }
            }
            names.append(name)
        }
        return names
    }
}
