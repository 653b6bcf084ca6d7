import JobletCore
import SystemCalls

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Large log chunks live outside SQLite, in one append-only file per job under `<state>/logs/`: a blob
/// in the database is written three times (WAL, then read back and written again by the checkpoint),
/// a chunk in a file once. The `logs` row keeps the chunk's place (`file_offset`, `file_length`); the
/// file is synced before that row commits, so a committed row always points at durable bytes. Bytes
/// of a batch that did not commit stay unreferenced at the file's end until the job is deleted.
struct LogFiles: Sendable {
    /// Chunks from this size on go to files; smaller ones (a line or two per flush) stay in the
    /// database, where a batch of many jobs' chunks costs one sync instead of one per job.
    static let threshold = 64 << 10

    let directory: String

    init(directory: String) throws(DispatcherError) {
        self.directory = directory
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw DispatcherError(.io, "cannot create the log directory \(directory)", cause: Errno.current.description)
        }
    }

    /// The job's file. Only ids the dispatcher made (32 lowercase hex) name a file: nothing a chunk
    /// says can point outside the directory.
    func path(of jobID: String) throws(DispatcherError) -> String {
        guard JobID.isComplete(jobID) else { throw DispatcherError(.io, "not a job id for a log file: \(jobID.prefix(80))") }
        return directory + "/" + jobID
    }

    /// `length` bytes of the job's file from `offset`: exactly those, or an error.
    func read(jobID: String, offset: Int64, length: Int) throws(DispatcherError) -> [UInt8] {
        let file = try path(of: jobID)
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw DispatcherError(.io, "cannot open the log file \(file)", cause: Errno.current.description) }
        defer { close(fd) }
        let bytes: [UInt8]
        do throws(Errno) {
            guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else { throw Errno.current }
            bytes = try FileDescriptorIO.read(fd, upTo: length)
        } catch {
            throw DispatcherError(.io, "cannot read the log file \(file)", cause: error.description)
        }
        guard bytes.count == length else {
            throw DispatcherError(.io, "the log file \(file) ends before the chunk at \(offset) (\(length) bytes)")
        }
        return bytes
    }

    /// Removes the job's file, if there is one.
    func remove(jobID: String) {
        guard let file = try? path(of: jobID) else { return }
        unlink(file)
    }

    /// The job ids that have a file.
    func jobIDs() -> [String] {
        DirectoryEntries.namesIfPresent(directory).filter(JobID.isComplete)
    }

    /// Appends the chunks of one store transaction: each job's file is opened once, `sync()` makes
    /// every byte (and every new file's name) durable before the transaction commits, and
    /// `rollBack()` cuts the files back when it does not commit, so a batch that fails again and
    /// again (and comes back from the broker each time) does not grow them.
    /// Used by the store's writer and then, after the write returned or failed, by its caller: never
    /// by two threads at once.
    final class Appender: @unchecked Sendable {
        /// A job's file as this transaction has it open.
        private struct OpenFile {
            let fd: Int32
            /// Its size before this transaction appended: what `rollBack()` cuts it back to.
            let sizeBefore: off_t
            /// Where the next append lands (only the store's writer appends, one transaction at a time).
            var end: off_t
        }

        private let files: LogFiles
        private var opened: [String: OpenFile] = [:]
        private var created = false

        init(_ files: LogFiles) { self.files = files }

        deinit { for file in opened.values { close(file.fd) } }

        /// Appends `bytes` to the job's file; returns the offset they start at.
        func append(jobID: String, _ bytes: [UInt8]) throws(DispatcherError) -> Int64 {
            let path = try files.path(of: jobID)
            var file = try openFile(for: jobID, path: path)
            do {
                try FileDescriptorIO.writeAll(file.fd, bytes)
            } catch {
                throw DispatcherError(.io, "cannot write the log file \(path)", cause: error.description)
            }
            let offset = file.end
            file.end += off_t(bytes.count)
            opened[jobID] = file
            return Int64(offset)
        }

        func sync() throws(DispatcherError) {
            for (jobID, file) in opened where fdatasync(file.fd) != 0 {
                throw DispatcherError(.io, "cannot sync the log file of job \(jobID)", cause: Errno.current.description)
            }
            guard created else { return }
            let dir = open(files.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard dir >= 0, fsync(dir) == 0 else {
                let error = Errno.current.description
                if dir >= 0 { close(dir) }
                throw DispatcherError(.io, "cannot sync the log directory \(files.directory)", cause: error)
            }
            close(dir)
        }

        /// The transaction did not commit: nothing it appended stays.
        func rollBack() {
            for file in opened.values { _ = ftruncate(file.fd, file.sizeBefore) }
        }

        private func openFile(for jobID: String, path: String) throws(DispatcherError) -> OpenFile {
            if let file = opened[jobID] { return file }
            var fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
            if fd < 0 && errno == ENOENT {
                fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
                created = created || fd >= 0
            }
            guard fd >= 0 else { throw DispatcherError(.io, "cannot open the log file \(path)", cause: Errno.current.description) }
            var status = stat()
            guard fstat(fd, &status) == 0 else {
                let error = Errno.current.description
                close(fd)
                throw DispatcherError(.io, "cannot stat the log file \(path)", cause: error)
            }
            let file = OpenFile(fd: fd, sizeBefore: status.st_size, end: status.st_size)
            opened[jobID] = file
            return file
        }
    }
}
