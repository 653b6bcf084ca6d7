import CArchive
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore

/// Owns a libarchive write handle producing a reproducible tar.gz in memory: sorted entries,
/// mtime 0, uid/gid 0, no user/group names, gzip header without timestamp or name.
final class ArchiveTarGzBuilder {
    /// Receives libarchive's output through the C write callback.
    private final class Sink {
        var bytes: [UInt8] = []
    }

    private let lib: LibArchive
    private let handle: OpaquePointer
    private let sink = Sink()
    private var closed = false

    init() throws {
        let lib = try LibArchive.shared()
        guard let handle = lib.archive_write_new() else {
            throw JobletError(.system, "archive_write_new failed (out of memory)")
        }
        self.lib = lib
        self.handle = handle
        _ = lib.archive_write_set_format_pax_restricted(handle)
        _ = lib.archive_write_add_filter_gzip(handle)
        // Without this gzip stores the current time and two runs differ.
        _ = lib.archive_write_set_filter_option(handle, "gzip", "timestamp", nil)
        let client = Unmanaged.passUnretained(sink).toOpaque()
        let status = lib.archive_write_open(
            handle, client, nil,
            { _, client, buffer, length in
                guard let client, let buffer else { return 0 }
                let sink = Unmanaged<Sink>.fromOpaque(client).takeUnretainedValue()
                sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
                return length
            }, nil)
        guard status == ARCHIVE_OK else { throw failure("cannot start the archive") }
    }

    deinit {
        _ = lib.archive_write_free(handle)
    }

    /// Adds `fsPath` as `archivePath`, recursing into directories in sorted order.
    func add(_ fsPath: String, as archivePath: String) throws {
        guard let info = try ArchiveFiles.lstatOrNil(fsPath) else {
            throw JobletError(.io, "cannot archive \(fsPath): no such file or directory")
        }
        guard let entry = lib.archive_entry_new() else {
            throw JobletError(.system, "archive_entry_new failed (out of memory)")
        }
        defer { lib.archive_entry_free(entry) }
        lib.archive_entry_set_pathname(entry, archivePath)
        lib.archive_entry_set_perm(entry, info.st_mode & 0o7777)
        lib.archive_entry_set_mtime(entry, 0, 0)
        lib.archive_entry_set_uid(entry, 0)
        lib.archive_entry_set_gid(entry, 0)
        var contents: [UInt8] = []
        if ArchiveFiles.isDirectory(info) {
            lib.archive_entry_set_filetype(entry, JOBLET_AE_IFDIR)
        } else if ArchiveFiles.isSymlink(info) {
            lib.archive_entry_set_filetype(entry, JOBLET_AE_IFLNK)
            lib.archive_entry_set_symlink(entry, try ArchiveFiles.readlink(fsPath))
        } else if ArchiveFiles.isRegular(info) {
            lib.archive_entry_set_filetype(entry, JOBLET_AE_IFREG)
            contents = try ArchiveFiles.readFile(fsPath)
            lib.archive_entry_set_size(entry, Int64(contents.count))
        } else {
            throw JobletError(
                .invalidArgument,
                "cannot archive \(fsPath): only files, directories and symlinks can be packed (it is a device, fifo or socket)")
        }
        guard lib.archive_write_header(handle, entry) >= ARCHIVE_WARN else {
            throw failure("cannot add \(fsPath)")
        }
        if !contents.isEmpty {
            let written = contents.withUnsafeBytes { lib.archive_write_data(handle, $0.baseAddress, $0.count) }
            guard written == contents.count else { throw failure("cannot add \(fsPath)") }
        }
        if ArchiveFiles.isDirectory(info) {
            for name in try ArchiveFiles.directoryEntries(fsPath) {
                try add(fsPath + "/" + name, as: archivePath + "/" + name)
            }
        }
    }

    /// Adds a directory's contents (not the directory itself) with paths relative to it.
    func addContents(of directory: String) throws {
        guard let info = try ArchiveFiles.lstatOrNil(directory), ArchiveFiles.isDirectory(info) else {
            throw JobletError(.invalidArgument, "cannot archive \(directory): not a directory")
        }
        for name in try ArchiveFiles.directoryEntries(directory) {
            try add(directory + "/" + name, as: name)
        }
    }

    /// Flushes and returns the compressed archive.
    func finish() throws -> [UInt8] {
        if !closed {
            closed = true
            guard lib.archive_write_close(handle) == ARCHIVE_OK else { throw failure("cannot finish the archive") }
        }
        return sink.bytes
    }

    private func failure(_ message: String) -> JobletError {
        let reason = lib.archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
        return JobletError(.io, "\(message): \(reason)")
    }
}
