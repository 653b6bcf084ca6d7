/// Why a sandbox could not be started or controlled.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, usable in `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The plan is not usable (bad path, missing source, ...): fix the job or runtime.
        public static let invalidPlan = Code("invalid_plan")
        /// `argv[0]` was not found (or not executable) in the sandbox's `PATH`.
        public static let commandNotFound = Code("command_not_found")
        /// A setup step inside the new namespaces failed.
        public static let setup = Code("setup")
        /// Attaching the cgroup failed.
        public static let cgroup = Code("cgroup")
        /// A syscall in the worker failed.
        public static let system = Code("system")
    }

    public var code: Code
    /// The setup step or syscall that failed, e.g. `mount /opt/x` or `pivot_root`.
    public var stage: String?
    /// The errno of the failure, when there is one.
    public var errno: Int32?
    /// What went wrong, e.g. `mount /opt/x: source missing` or `command not found: node`.
    public var message: String

    public init(code: Code, stage: String? = nil, errno: Int32? = nil, message: String) {
        self.code = code
        self.stage = stage
        self.errno = errno
        self.message = message
    }

    public var description: String { message }

    static func system(_ call: String, errno code: Int32) -> SandboxError {
        SandboxError(code: .system, stage: call, errno: code,
                     message: "\(call): \(System.describe(errno: code))")
    }

    static func invalid(_ stage: String, _ reason: String) -> SandboxError {
        SandboxError(code: .invalidPlan, stage: stage, message: "\(stage): \(reason)")
    }
}
