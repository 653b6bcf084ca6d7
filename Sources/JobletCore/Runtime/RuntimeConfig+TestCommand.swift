extension RuntimeConfig {
    /// `test:` in runtime.yml: a shell command string (run with `/bin/sh -c`) or an argv list.
    public enum TestCommand: Sendable, Hashable {
        case shell(String)
        case argv([String])

        /// The argv to execute.
        public var argv: [String] {
            switch self {
            case .shell(let command): return ["/bin/sh", "-c", command]
            case .argv(let argv): return argv
            }
        }
    }
}
