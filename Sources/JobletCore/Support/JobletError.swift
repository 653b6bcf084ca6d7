import SystemCalls

/// The error type of the core library: a code to branch on, a message a user can act on,
/// and the underlying cause when there is one.
public struct JobletError: DescribedError, Sendable, Equatable {
    /// What kind of failure this is; stable across releases, usable in `switch`.
    public enum Code: String, ErrorCode {
        case invalidJSON = "invalid_json"
        case invalidYAML = "invalid_yaml"
        case invalidArchive = "invalid_archive"
        case unsafeArchive = "unsafe_archive"
        case invalidRuntime = "invalid_runtime"
        case runtimeNotFound = "runtime_not_found"
        case invalidSpec = "invalid_spec"
        case invalidArgument = "invalid_argument"
        case io
        case system
    }

    public var code: Code
    public var message: String
    /// Rendered as text so the value stays `Sendable` and `Equatable`.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        (self.code, self.message, self.cause) = (code, message, cause)
    }
}
