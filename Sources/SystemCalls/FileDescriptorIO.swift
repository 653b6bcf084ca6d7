#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Whole-buffer reads and writes on a descriptor: write(2) and read(2) may move fewer bytes than
/// asked, and a signal may interrupt them; these loop until done.
public enum FileDescriptorIO {
    /// Writes every byte of `bytes` to `fd`, retrying short writes and `EINTR`.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            offset += try retryingOnInterrupt {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            }
        }
    }

    /// Reads until `count` bytes or end of file, retrying `EINTR`; returns what was read.
    public static func read(_ fd: Int32, upTo count: Int) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = try retryingOnInterrupt {
                buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress.map { $0 + offset }, count - offset) }
            }
            if n == 0 { break }
            offset += n
        }
        return offset == count ? buffer : Array(buffer[0..<offset])
    }
}
