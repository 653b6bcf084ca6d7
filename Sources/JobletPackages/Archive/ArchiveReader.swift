import CArchive
import JobletCore

/// Owns a libarchive read handle over a file or an in-memory copy of the archive bytes.
/// Accepts tar (with any compression filter libarchive knows) and zip, auto-detected.
final class ArchiveReader {
    /// Also used by the code that reads this reader's entries.
    let lib: LibArchive
    let handle: OpaquePointer
    private var buffer: UnsafeMutableRawBufferPointer?
    /// Names the input in messages.
    let source: String

    private init(source: String) throws {
        let lib = try LibArchive.shared()
        guard let handle = lib.archive_read_new() else {
            throw JobletError(.system, "archive_read_new failed (out of memory)")
        }
        self.lib = lib
        self.handle = handle
        self.source = source
        _ = lib.archive_read_support_filter_all(handle)
        _ = lib.archive_read_support_format_tar(handle)
        _ = lib.archive_read_support_format_gnutar(handle)
        _ = lib.archive_read_support_format_zip(handle)
    }

    convenience init(file path: String) throws {
        try self.init(source: path)
        guard lib.archive_read_open_filename(handle, path, 1 << 16) == ARCHIVE_OK else {
            throw invalid("cannot open archive \(path)")
        }
    }

    convenience init(bytes: [UInt8]) throws {
        try self.init(source: "archive")
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        copy.copyBytes(from: bytes)
        buffer = copy
        guard lib.archive_read_open_memory(handle, copy.baseAddress, bytes.count) == ARCHIVE_OK else {
            throw invalid("cannot open archive")
        }
    }

    deinit {
        _ = lib.archive_read_free(handle)
        buffer?.deallocate()
    }

    /// The next entry header, or nil at the end. The entry is owned by the reader.
    func nextEntry() throws -> OpaquePointer? {
        var entry: OpaquePointer?
        while true {
            let status = lib.archive_read_next_header(handle, &entry)
            switch status {
            case ARCHIVE_OK, ARCHIVE_WARN: return entry
            case ARCHIVE_EOF: return nil
            case ARCHIVE_RETRY: continue
            default: throw invalid("invalid archive \(source)")
            }
        }
    }

    /// An entry's path as stored (checked by `ArchiveEntryPath` before use); "" when it has none.
    func pathname(of entry: OpaquePointer) -> String {
        if let name = lib.archive_entry_pathname(entry) { return String(cString: name) }
        if let name = lib.archive_entry_pathname_utf8(entry) { return String(cString: name) }
        return ""
    }

    /// `.invalidArchive` with libarchive's own reason.
    func invalid(_ message: String) -> JobletError {
        JobletError(.invalidArchive, "\(message): \(errorString)")
    }

    var errorString: String {
        lib.archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
