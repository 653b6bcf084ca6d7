/// The shape of every module's error type (one type per module, so typed throws stay
/// precise): a code to branch on, a message that says what to do, and the lower-level cause.
/// Each module's error is a thin struct that conforms; the text a user sees is written once, here.
public protocol DescribedError: Error, CustomStringConvertible {
    associatedtype Code: ErrorCode
    /// What kind of failure this is; stable, usable in `switch` and `==`.
    var code: Code { get }
    /// What went wrong and, where possible, what to do about it.
    var message: String { get }
    /// The lower-level error (a failed call and its errno, a library's text), if any.
    var cause: String? { get }
}

extension DescribedError {
    /// The message, followed by the cause in parentheses when there is one.
    public var description: String {
        guard let cause else { return message }
        return "\(message) (\(cause))"
    }
}

/// An error's code: a `String` enum whose raw values are the stable text logs and replies carry.
public protocol ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == String {}

extension ErrorCode {
    /// The raw value, e.g. `invalid_request`.
    public var description: String { rawValue }
}
