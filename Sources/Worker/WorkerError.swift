import SystemCalls

/// The error type of the worker: a code to branch on, a message an operator can act on, and the cause.
public struct WorkerError: DescribedError, Sendable, Equatable {
    public enum Code: String, ErrorCode {
        case invalidConfig = "invalid_config"
        case io
        case system
        case broker
    }

    public var code: Code
    public var message: String
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }
}
