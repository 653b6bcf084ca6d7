import JobletCore

/// The error type of the dispatcher: a stable code (also sent to clients in `ErrorInfo.code`),
/// a message a person can act on, and the underlying cause when there is one.
public struct DispatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var cause: String?

    public init(_ code: String, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }

    /// The wire form sent in replies.
    public var info: ErrorInfo { ErrorInfo(code: code, message: message) }

    public static func invalidRequest(_ message: String) -> DispatcherError { DispatcherError("invalid_request", message) }
    public static func notFound(_ message: String) -> DispatcherError { DispatcherError("not_found", message) }
    public static func forbidden(_ message: String) -> DispatcherError { DispatcherError("forbidden", message) }
}
