#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs a libc call again for as long as it fails with `EINTR` (a signal arrived while it
/// blocked), the one retry loop of the code base. A result of -1 is a failure: the call's `errno`
/// is thrown. Every other result, 0 or a count or a descriptor, is returned.
@inlinable
@discardableResult
public func retryingOnInterrupt<T: FixedWidthInteger>(_ body: () -> T) throws(Errno) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw Errno(code) }
    }
}
