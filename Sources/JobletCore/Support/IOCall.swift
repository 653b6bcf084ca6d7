#if canImport(Glibc)
    import Glibc
#endif
import SystemCalls

/// JobletCore's one wrapper of a libc call (archives, runtimes, tree removal): `EINTR` is retried
/// by SystemCalls and a failure throws `JobletError(.io)` naming the call and the path.
package enum IOCall {
    /// Runs `body` until it does not fail with EINTR; a -1 result throws `JobletError(.io)`.
    @discardableResult
    package static func run<T: FixedWidthInteger>(_ name: String, _ path: String, _ body: () -> T) throws -> T {
        do {
            return try retryingOnInterrupt(body)
        } catch {
            throw failed(name, path, error.code)
        }
    }

    /// The error of a call that failed with `code`: "open(/x) failed: No such file or directory".
    package static func failed(_ name: String, _ display: String, _ code: Int32) -> JobletError {
        JobletError(.io, "\(name)(\(display)) failed: \(errnoText(code))", cause: "errno \(code)")
    }
}
