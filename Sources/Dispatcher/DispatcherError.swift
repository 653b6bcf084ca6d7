import JobletCore
import SystemCalls

/// The error type of the dispatcher: a stable code (also sent to clients in `ErrorInfo.code`),
/// a message a person can act on, and the underlying cause when there is one.
public struct DispatcherError: DescribedError, Sendable, Equatable {
    /// The raw values go on the wire (`ErrorInfo.code`) and clients branch on them: never rename one.
    public enum Code: String, ErrorCode {
        case invalidRequest = "invalid_request"
        case invalidConfig = "invalid_config"
        case unauthenticated
        case invalidUser = "invalid_user"
        case forbidden
        case notFound = "not_found"
        case ambiguousID = "ambiguous_id"
        case alreadyExists = "already_exists"
        case alreadyFinished = "already_finished"
        case notFinished = "not_finished"
        case quotaExceeded = "quota_exceeded"
        case unknownRuntime = "unknown_runtime"
        case noWorkers = "no_workers"
        case insufficientMemory = "insufficient_memory"
        case overWorkerLimits = "over_worker_limits"
        case networkUnavailable = "network_unavailable"
        case networkInUse = "network_in_use"
        case volumeInUse = "volume_in_use"
        case routingFailed = "routing_failed"
        case io
    }

    public var code: Code
    public var message: String
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }

    /// The wire form sent in replies.
    public var info: ErrorInfo { ErrorInfo(code: code.rawValue, message: message) }

    public static func invalidRequest(_ message: String) -> DispatcherError { DispatcherError(.invalidRequest, message) }
    public static func notFound(_ message: String) -> DispatcherError { DispatcherError(.notFound, message) }
    public static func forbidden(_ message: String) -> DispatcherError { DispatcherError(.forbidden, message) }
}
