import SystemCalls

/// Why the metrics endpoint could not be served.
public struct MetricsError: DescribedError, Sendable, Equatable {
    public enum Code: String, ErrorCode {
        /// `metrics.bind` cannot be used as given.
        case invalidConfig = "invalid_config"
        /// A socket call failed (the port is taken, say).
        case io
        /// The server's thread could not be started.
        case system
    }

    public var code: Code
    public var message: String
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }
}
