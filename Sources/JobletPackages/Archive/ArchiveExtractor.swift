#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore

/// Secure extraction of `.tar`, `.tar.gz` and `.zip` archives (format auto-detected).
///
/// Refused with `.unsafeArchive`: absolute paths, `..` components, symlinks leaving the destination,
/// hard links to anything but a file extracted earlier, writing through an extracted symlink,
/// devices/fifos/sockets, and more entries or decompressed bytes than the limits. setuid/setgid bits
/// are stripped. Garbage input is `.invalidArchive` with libarchive's reason. Extraction happens in a
/// staging directory beside the destination, renamed into place only on success: on any failure the
/// destination is left as it was.
public enum ArchiveExtractor {
    /// Extracts a .tar, .tar.gz or .zip (format auto-detected). `destination` must not exist or be empty.
    /// - Parameter owner: uid/gid given to every extracted entry (job uploads belong to the job user).
    @discardableResult
    public static func extract(
        file path: String, to destination: String, limits: ArchiveLimits = .init(),
        owner: (uid: UInt32, gid: UInt32)? = nil
    ) throws -> ExtractionSummary {
        try extract(reader: try ArchiveReader(file: path), to: destination, limits: limits, owner: owner)
    }

    /// Extracts an archive held in memory; see `extract(file:to:limits:owner:)`.
    @discardableResult
    public static func extract(
        bytes: [UInt8], to destination: String, limits: ArchiveLimits = .init(),
        owner: (uid: UInt32, gid: UInt32)? = nil
    ) throws -> ExtractionSummary {
        try extract(reader: try ArchiveReader(bytes: bytes), to: destination, limits: limits, owner: owner)
    }

    /// Lists entry paths without extracting (used to find runtime.yml in a package).
    /// Paths are relative and normalised (`./a/b` is `a/b`); unsafe paths are refused.
    public static func list(file path: String, limits: ArchiveLimits = .init()) throws -> [String] {
        let reader = try ArchiveReader(file: path)
        var paths: [String] = []
        var count = 0
        while let entry = try reader.nextEntry() {
            count += 1
            guard count <= limits.maxEntries else {
                throw JobletError(.unsafeArchive, "archive has more than \(limits.maxEntries) entries (the limit)")
            }
            let entryPath = try ArchiveEntryPath(reader.pathname(of: entry))
            if !entryPath.components.isEmpty { paths.append(entryPath.string) }
        }
        return paths
    }

    private static func extract(
        reader: ArchiveReader, to destination: String, limits: ArchiveLimits,
        owner: (uid: UInt32, gid: UInt32)?
    ) throws -> ExtractionSummary {
        var trimmed = destination
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        if let info = try ArchiveFiles.lstatOrNil(trimmed) {
            guard ArchiveFiles.isDirectory(info), try ArchiveFiles.directoryEntries(trimmed).isEmpty else {
                throw JobletError(
                    .invalidArgument,
                    "extraction destination \(destination) already exists and is not an empty directory")
            }
        }
        let parent: String
        let name: String
        if let slash = trimmed.lastIndex(of: "/") {
            parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
            name = String(trimmed[trimmed.index(after: slash)...])
        } else {
            parent = "."
            name = trimmed
        }
        guard !name.isEmpty, name != ".", name != ".." else {
            throw JobletError(.invalidArgument, "invalid extraction destination \(destination)")
        }
        // Resolved so the staging path has no symlinks for libarchive's check to trip over.
        let realParent = try ArchiveFiles.realpath(parent)
        let base = realParent == "/" ? "" : realParent
        let staging = "\(base)/.\(name).extracting-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let final = "\(base)/\(name)"
        try IOCall.run("mkdir", staging) { mkdir(staging, 0o755) }
        do {
            let summary = try ArchiveDiskExtraction(reader: reader, root: staging, limits: limits, owner: owner).run()
            if let owner {
                try IOCall.run("lchown", staging) { lchown(staging, owner.uid, owner.gid) }
            }
            try IOCall.run("rename", final) { rename(staging, final) }
            return summary
        } catch {
            try? TreeRemoval.remove(staging)
            throw error
        }
    }
}
