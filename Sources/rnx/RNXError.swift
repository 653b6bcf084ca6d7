/// The error type of the CLI: a code that picks the exit status, a message that says what to do,
/// and the lower-level cause when there is one.
struct RNXError: Error, Sendable, CustomStringConvertible {
    struct Code: Hashable, Sendable {
        let rawValue: String
        /// The broker cannot be reached or refused us.
        static let broker = Code(rawValue: "broker")
        /// The dispatcher is not running or did not answer.
        static let dispatcher = Code(rawValue: "dispatcher")
        /// The dispatcher answered with an error (unknown runtime, ambiguous id, not found …).
        static let remote = Code(rawValue: "remote")
        /// Bad input: a size, a duration, an upload too large.
        static let usage = Code(rawValue: "usage")
        /// Reading or writing local files.
        static let io = Code(rawValue: "io")
        /// Something failed that the command reports as failure (e.g. a runtime test).
        static let failed = Code(rawValue: "failed")
    }

    var code: Code
    var message: String
    var cause: String?

    init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
