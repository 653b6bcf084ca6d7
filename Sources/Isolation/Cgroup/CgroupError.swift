import SystemCalls

/// The error type of the cgroup layer: a code to branch on, a message a user can act on,
/// and the underlying cause (usually the failing call and errno) when there is one.
public struct CgroupError: DescribedError, Sendable, Equatable {
    /// What kind of failure this is; stable, usable in `switch`.
    public enum Code: String, ErrorCode {
        /// A requested limit is malformed (bad cpuset syntax, non-positive value, unknown CPU).
        case invalidLimit = "invalid_limit"
        /// A requested limit cannot be enforced on this host (controller missing, no block device).
        case unenforceable
        /// The job ID cannot name a cgroup.
        case invalidJobID = "invalid_job_id"
        /// A cgroup of that job already exists.
        case exists
        /// The cgroup still holds processes.
        case busy
        /// A cgroup file or syscall failed.
        case system
    }

    public var code: Code
    public var message: String
    /// Rendered as text so the value stays `Sendable` and `Equatable`.
    public var cause: String?
    /// The errno behind a failed syscall, for callers inside the module that branch on it.
    var errnoCode: Int32?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }
}
