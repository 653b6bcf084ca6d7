import SystemCalls

/// The error type of the CLI: a code that picks the exit status, a message that says what to do,
/// and the lower-level cause when there is one.
struct RNXError: DescribedError, Sendable {
    enum Code: String, ErrorCode {
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

    var code: Code
    var message: String
    var cause: String?

    init(_ code: Code, _ message: String, cause: String? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }
}
