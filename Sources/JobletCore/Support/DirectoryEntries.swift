#if canImport(Glibc)
import Glibc
#endif

/// The names in a directory, without `.` and `..`, in the order the kernel gives them. The one
/// place every module lists a directory.
public enum DirectoryEntries {
    /// Throws `JobletError(.io)` naming the path when it cannot be opened.
    public static func names(of path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            let code = errno
            throw JobletError(.io, "opendir(\(path)) failed: \(String(cString: strerror(code)))", cause: "errno \(code)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Empty when the directory does not exist or cannot be read.
    public static func namesIfPresent(_ path: String) -> [String] {
        (try? names(of: path)) ?? []
    }
}
