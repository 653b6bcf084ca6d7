#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SystemCalls
import JobletCore

/// The file-system calls the archive code makes, each retrying EINTR and throwing an error that
/// names the call and the path (``IOCall``).
enum ArchiveFiles {
    static func lstatOrNil(_ path: String) throws -> stat? {
        var info = stat()
        do {
            try retryingOnInterrupt { lstat(path, &info) }
        } catch  where error.code == ENOENT {
            return nil
        } catch {
            throw IOCall.failed("lstat", path, error.code)
        }
        return info
    }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }
    static func isSymlink(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFLNK }

    /// Names in a directory except `.` and `..`, sorted by bytes so archives are reproducible.
    static func directoryEntries(_ path: String) throws -> [String] {
        try DirectoryEntries.names(of: path).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func readlink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try IOCall.run("readlink", path) { Glibc.readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[..<Int(count)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func realpath(_ path: String) throws -> String {
        guard let resolved = Glibc.realpath(path, nil) else {
            let code = errno
            throw IOCall.failed("realpath", path, code)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = try IOCall.run("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try IOCall.run("read", path) { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Writes via a temporary file beside `path` and renames it into place.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = try IOCall.run("open", temporary) { open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        do {
            do {
                try FileDescriptorIO.writeAll(fd, bytes)
            } catch {
                throw IOCall.failed("write", temporary, error.code)
            }
            try IOCall.run("fsync", temporary) { fsync(fd) }
            close(fd)
            try IOCall.run("rename", path) { rename(temporary, path) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }
}
