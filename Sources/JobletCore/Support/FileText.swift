#if canImport(Glibc)
    import Glibc
#endif
import SystemCalls

/// Whole-file reads and atomic writes for small files (configs, credentials, /proc entries).
public enum FileText {
    /// The file's bytes; the error names the path and the reason.
    public static func readBytes(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JobletError(.io, "cannot read \(path): \(errnoText())") }
        defer { close(fd) }
        // Most files read here are small (/proc, cgroup files): a stack buffer, not a zeroed heap one.
        var result: [UInt8] = []
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { buffer in
            while true {
                let count: Int
                do throws(Errno) {
                    count = try retryingOnInterrupt { Glibc.read(fd, buffer.baseAddress, buffer.count) }
                } catch {
                    throw JobletError(.io, "cannot read \(path): \(error.text)")
                }
                if count == 0 { return }
                result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<count]))
                if result.count > limit { throw JobletError(.io, "\(path) is larger than \(ByteSize(bytes: Int64(limit)))") }
            }
        }
        return result
    }

    public static func read(_ path: String) throws -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Writes via a temporary file and rename, so readers never see half a file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw JobletError(.io, "cannot write \(temporary): \(errnoText())") }
        do {
            try FileDescriptorIO.writeAll(fd, bytes)
        } catch {
            close(fd)
            unlink(temporary)
            throw JobletError(.io, "cannot write \(temporary): \(error.text)")
        }
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw JobletError(.io, "cannot rename \(temporary) to \(path): \(reason)")
        }
    }
}
