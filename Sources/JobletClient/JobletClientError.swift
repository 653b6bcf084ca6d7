import SystemCalls

/// The error of the client library, and of rnx on top of it: a code to branch on (rnx picks its
/// exit status from it), a message that says what to do, and the lower-level cause when there is one.
public struct JobletClientError: DescribedError, Sendable {
    public enum Code: String, ErrorCode {
        /// The broker cannot be reached or refused us.
        case broker
        /// The dispatcher is not running or did not answer.
        case dispatcher
        /// The dispatcher answered with an error (unknown runtime, ambiguous id, not found …).
        case remote
        /// Bad input: a size, a duration, an upload too large.
        case usage
        /// Reading or writing local files.
        case io
        /// Something failed that the command reports as failure (e.g. a runtime test).
        case failed
    }

    /// What kind of failure, to branch on; rnx picks its exit status from it.
    public var code: Code
    /// For people: what went wrong and what to do.
    public var message: String
    /// The lower-level error's description, when there is one.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }
}
