import SystemCalls

/// Why a sandbox could not be started or controlled.
public struct SandboxError: DescribedError, Sendable {
    /// What kind of failure this is; stable, usable in `switch`.
    public enum Code: String, ErrorCode {
        /// The plan is not usable (bad path, missing source, ...): fix the job or runtime.
        case invalidPlan = "invalid_plan"
        /// `argv[0]` was not found (or not executable) in the sandbox's `PATH`.
        case commandNotFound = "command_not_found"
        /// A setup step inside the new namespaces failed.
        case setup
        /// Attaching the cgroup failed.
        case cgroup
        /// A syscall in the worker failed.
        case system
        /// The job's disk (a loop-backed filesystem) could not be made, mounted or removed.
        case disk
        /// A job's network (bridge, veth, addresses, nftables rules) could not be set up or removed.
        case network
    }

    public var code: Code
    /// The setup step or syscall that failed, e.g. `mount /opt/x` or `pivot_root`.
    public var stage: String?
    /// The errno of the failure, when there is one.
    public var errno: Int32?
    /// What went wrong, e.g. `mount /opt/x: source missing` or `command not found: node`.
    public var message: String
    /// Always nil: `stage` and `errno` carry the cause, and the message already names them.
    public var cause: String? { nil }

    public init(code: Code, stage: String? = nil, errno: Int32? = nil, message: String) {
        self.code = code
        self.stage = stage
        self.errno = errno
        self.message = message
    }

    static func system(_ call: String, errno code: Int32) -> SandboxError {
        SandboxError(
            code: .system, stage: call, errno: code,
            message: "\(call): \(System.describe(errno: code))")
    }

    static func invalid(_ stage: String, _ reason: String) -> SandboxError {
        SandboxError(code: .invalidPlan, stage: stage, message: "\(stage): \(reason)")
    }
}
