#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `joblet-init` program every sandbox execs as its PID 1, opened once and kept open:
/// the sandbox child execs it by descriptor after `pivot_root`, so it need not exist inside the root.
struct InitExecutable: Sendable {
    static let name = "joblet-init"
    /// Overrides where `joblet-init` is looked for (an absolute path).
    static let environmentVariable = "JOBLET_INIT"

    /// A read-only descriptor of the program, valid for the life of the process.
    let fd: Int32
    let path: String

    /// Opened on first use; the error names every place that was tried.
    static let shared: Result<InitExecutable, SandboxError> = {
        let candidates = searchPaths()
        for path in candidates {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var st = stat()
            if fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_mode & 0o111 != 0 {
                return .success(InitExecutable(fd: fd, path: path))
            }
            System.close(fd)
        }
        return .failure(
            SandboxError(
                code: .setup, stage: "exec joblet-init",
                message: "\(name) not found (tried \(candidates.joined(separator: ", ")); "
                    + "set \(environmentVariable) to its path"))
    }()

    /// `$JOBLET_INIT`, then beside the running executable (where SwiftPM builds it), then the install location.
    static func searchPaths() -> [String] {
        var paths: [String] = []
        if let override = getenv(environmentVariable), override.pointee != 0 {
            paths.append(String(cString: override))
        }
        if let executable = HostFile.realPath("/proc/self/exe"), let slash = executable.lastIndex(of: "/") {
            paths.append(String(executable[..<slash]) + "/" + name)
        }
        paths.append("/usr/local/libexec/joblet/" + name)
        paths.append("/usr/libexec/joblet/" + name)
        return paths
    }
}
