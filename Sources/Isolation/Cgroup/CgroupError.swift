/// The error type of the cgroup layer: a code to branch on, a message a user can act on,
/// and the underlying cause (usually the failing call and errno) when there is one.
public struct CgroupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; stable, usable in `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A requested limit is malformed (bad cpuset syntax, non-positive value, unknown CPU).
        public static let invalidLimit = Code("invalid_limit")
        /// A requested limit cannot be enforced on this host (controller missing, no block device).
        public static let unenforceable = Code("unenforceable")
        /// The job ID cannot name a cgroup.
        public static let invalidJobID = Code("invalid_job_id")
        /// A cgroup of that job already exists.
        public static let exists = Code("exists")
        /// The cgroup still holds processes.
        public static let busy = Code("busy")
        /// A cgroup file or syscall failed.
        public static let system = Code("system")
    }

    public var code: Code
    /// What went wrong and, where possible, what to do about it.
    public var message: String
    /// The lower-level cause, rendered as text so the value stays `Sendable` and `Equatable`.
    public var cause: String?
    /// The errno behind a failed syscall, for callers inside the module that branch on it.
    var errnoCode: Int32?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
