#if canImport(Glibc)
    import Glibc
#endif

/// Executables of this package, found beside the running test bundle (so any build directory
/// or configuration works: `.build/debug`, `--scratch-path`, `-c release`).
public enum BuiltProducts {
    /// The directory holding the test bundle and the package's executables.
    public static let directory: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return ".build/debug" }
        let executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The test runner is <dir>/<name>.xctest (a file on Linux); the products sit in <dir>.
        return String(executable[..<(executable.lastIndex(of: "/") ?? executable.endIndex)])
    }()

    public static func path(_ name: String) -> String { directory + "/" + name }
}
