#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An `errno` value from a failed system call. One type and one text for it, so every module
/// reports a failed call the same way instead of each calling `strerror` itself.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: Int32

    public init(_ code: Int32) { self.code = code }

    /// The calling thread's `errno` now: read it right after the call that failed.
    public static var current: Errno { Errno(errno) }

    /// `strerror(3)` of the code, e.g. "No such file or directory".
    public var text: String { errnoText(code) }

    public var description: String { "\(text) (errno \(code))" }
}

/// `strerror(3)` of `code` (by default the calling thread's `errno`).
public func errnoText(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}
