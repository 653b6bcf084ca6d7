/// The error type of the core library: a code to branch on, a message a user can act on,
/// and the underlying cause when there is one.
public struct JobletError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; stable across releases, usable in `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidJSON = Code("invalid_json")
        public static let invalidYAML = Code("invalid_yaml")
        public static let invalidArchive = Code("invalid_archive")
        public static let unsafeArchive = Code("unsafe_archive")
        public static let invalidRuntime = Code("invalid_runtime")
        public static let runtimeNotFound = Code("runtime_not_found")
        public static let invalidSpec = Code("invalid_spec")
        public static let invalidArgument = Code("invalid_argument")
        public static let io = Code("io")
        public static let system = Code("system")
    }

    public var code: Code
    /// What went wrong and, where possible, what to do about it.
    public var message: String
    /// The lower-level error, rendered as text so the value stays `Sendable` and `Equatable`.
    public var cause: String?

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
