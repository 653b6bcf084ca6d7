import CArchive
import JobletCore

/// One extraction into a fresh staging directory: our own checks on every entry, then libarchive's
/// disk writer with its secure flags as a second line, counting the bytes actually decompressed.
final class ArchiveDiskExtraction {
    private let lib: LibArchive
    private let disk: OpaquePointer
    private let reader: ArchiveReader
    private let root: String
    private let limits: ArchiveLimits
    private let owner: (uid: UInt32, gid: UInt32)?

    /// `root` must be a symlink-free absolute path (libarchive's symlink check walks all of it).
    init(reader: ArchiveReader, root: String, limits: ArchiveLimits, owner: (uid: UInt32, gid: UInt32)?) throws {
        lib = reader.lib
        guard let disk = lib.archive_write_disk_new() else {
            throw JobletError(.system, "archive_write_disk_new failed (out of memory)")
        }
        self.disk = disk
        self.reader = reader
        self.root = root
        self.limits = limits
        self.owner = owner
        // NOABSOLUTEPATHS cannot be used: we hand libarchive absolute paths under `root`, after
        // refusing absolute entry paths ourselves.
        var flags =
            ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS
            | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        if owner != nil { flags |= ARCHIVE_EXTRACT_OWNER }
        _ = lib.archive_write_disk_set_options(disk, flags)
    }

    deinit {
        _ = lib.archive_write_free(disk)
    }

    func run() throws -> ExtractionSummary {
        var symlinks: Set<String> = []
        var regularFiles: Set<String> = []
        var written: Set<String> = []
        var seenEntries = 0
        var extracted = 0
        var totalBytes: Int64 = 0

        while let entry = try reader.nextEntry() {
            seenEntries += 1
            guard seenEntries <= limits.maxEntries else {
                throw JobletError(.unsafeArchive, "archive has more than \(limits.maxEntries) entries (the limit)")
            }
            let raw = reader.pathname(of: entry)
            let path = try ArchiveEntryPath(raw)
            if path.components.isEmpty { continue }
            try refuseThroughSymlinks(path, raw: raw, symlinks: symlinks)
            guard !written.contains(path.string) else {
                throw JobletError(.unsafeArchive, "archive entry '\(raw)' appears twice; refusing to overwrite it")
            }
            let type = lib.archive_entry_filetype(entry)
            let isHardlink = lib.archive_entry_hardlink(entry) != nil
            if let hardlink = lib.archive_entry_hardlink(entry) {
                let rawTarget = String(cString: hardlink)
                let target = try ArchiveEntryPath(rawTarget)
                guard regularFiles.contains(target.string) else {
                    throw JobletError(
                        .unsafeArchive,
                        "hard link '\(raw)' points to '\(rawTarget)', which is not a file extracted earlier; refusing to extract")
                }
                lib.archive_entry_set_hardlink(entry, root + "/" + target.string)
            } else {
                switch type {
                case JOBLET_AE_IFREG, JOBLET_AE_IFDIR:
                    break
                case JOBLET_AE_IFLNK:
                    let target = lib.archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
                    guard path.symlinkStaysInside(target) else {
                        throw JobletError(
                            .unsafeArchive,
                            "symlink '\(raw)' -> '\(target)' points outside the destination; refusing to extract")
                    }
                default:
                    throw JobletError(
                        .unsafeArchive,
                        "archive entry '\(raw)' is a device, fifo or socket; refusing to extract")
                }
            }
            if lib.archive_entry_size_is_set(entry) != 0, lib.archive_entry_size(entry) > limits.maxEntryBytes {
                throw JobletError(
                    .unsafeArchive,
                    "archive entry '\(raw)' is larger than the limit of \(ByteSize(bytes: limits.maxEntryBytes)) per entry")
            }
            // Never hand out setuid/setgid programs, whoever packed them.
            lib.archive_entry_set_perm(entry, lib.archive_entry_perm(entry) & ~0o6000)
            if let owner {
                lib.archive_entry_set_uid(entry, Int64(owner.uid))
                lib.archive_entry_set_gid(entry, Int64(owner.gid))
            }
            lib.archive_entry_set_pathname(entry, root + "/" + path.string)

            guard lib.archive_write_header(disk, entry) >= ARCHIVE_WARN else {
                throw JobletError(.unsafeArchive, "cannot extract archive entry '\(raw)': \(diskError)", cause: diskErrno)
            }
            if type == JOBLET_AE_IFREG || isHardlink {
                totalBytes += try copyData(of: raw, alreadyWritten: totalBytes)
            }
            guard lib.archive_write_finish_entry(disk) >= ARCHIVE_WARN else {
                throw JobletError(.io, "cannot finish archive entry '\(raw)': \(diskError)")
            }
            written.insert(path.string)
            if type == JOBLET_AE_IFLNK && !isHardlink { symlinks.insert(path.string) }
            if type == JOBLET_AE_IFREG && !isHardlink { regularFiles.insert(path.string) }
            extracted += 1
        }
        // Applies the deferred directory modes and times.
        guard lib.archive_write_close(disk) >= ARCHIVE_WARN else {
            throw JobletError(.io, "cannot finish extraction: \(diskError)")
        }
        return ExtractionSummary(entries: extracted, bytes: totalBytes)
    }

    /// Copies one entry's data, counting decompressed bytes against the limits as they arrive.
    private func copyData(of raw: String, alreadyWritten: Int64) throws -> Int64 {
        var entryBytes: Int64 = 0
        while true {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = lib.archive_read_data_block(reader.handle, &block, &size, &offset)
            if status == ARCHIVE_EOF { return entryBytes }
            guard status >= ARCHIVE_WARN else {
                throw reader.invalid("cannot read archive entry '\(raw)'")
            }
            entryBytes += Int64(size)
            guard entryBytes <= limits.maxEntryBytes else {
                throw JobletError(
                    .unsafeArchive,
                    "archive entry '\(raw)' decompresses to more than the limit of \(ByteSize(bytes: limits.maxEntryBytes)) per entry")
            }
            guard alreadyWritten + entryBytes <= limits.maxTotalBytes else {
                throw JobletError(
                    .unsafeArchive,
                    "archive decompresses to more than the limit of \(ByteSize(bytes: limits.maxTotalBytes)) in total (at entry '\(raw)')")
            }
            // libarchive reports a failed write(2) (ENOSPC on a full job disk) as ARCHIVE_WARN and
            // would then truncate the file up to its full size: only ARCHIVE_OK wrote the block.
            guard lib.archive_write_data_block(disk, block, size, offset) == ARCHIVE_OK else {
                throw JobletError(.io, "cannot write archive entry '\(raw)': \(diskError)", cause: diskErrno)
            }
        }
    }

    private func refuseThroughSymlinks(_ path: ArchiveEntryPath, raw: String, symlinks: Set<String>) throws {
        for parent in path.parents where symlinks.contains(parent) {
            throw JobletError(
                .unsafeArchive,
                "archive entry '\(raw)' would be written through the symlink '\(parent)'; refusing to extract")
        }
        if symlinks.contains(path.string) {
            throw JobletError(.unsafeArchive, "archive entry '\(raw)' would replace the symlink '\(path.string)'; refusing to extract")
        }
    }

    private var diskError: String {
        lib.archive_error_string(disk).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    /// `errno N` of the failed call, as the worker's errors say it (ENOSPC: the job's disk is full).
    private var diskErrno: String? {
        let code = lib.archive_errno(disk)
        return code > 0 ? "errno \(code)" : nil
    }
}
