import JobletCore
/// Creates reproducible `.tar.gz` archives: the same tree gives byte-identical output.
public enum ArchiveWriter {
    /// Deterministic .tar.gz of a directory's CONTENTS (paths relative, sorted, mtime 0, uid/gid 0, no
    /// user/group names, modes kept, symlinks kept as symlinks, gzip without timestamp/name): same tree ->
    /// byte-identical archive.
    public static func createTarGz(directory: String, to path: String) throws {
        try ArchiveFiles.writeFileAtomically(path, try tarGz(directory: directory))
    }

    /// The archive `createTarGz(directory:to:)` writes, in memory.
    public static func tarGz(directory: String) throws -> [UInt8] {
        let builder = try ArchiveTarGzBuilder()
        try builder.addContents(of: directory)
        return try builder.finish()
    }

    /// Packs named files and directories (each stored under its last path component, dirs recursively) — used for job uploads.
    public static func tarGz(paths: [String]) throws -> [UInt8] {
        let builder = try ArchiveTarGzBuilder()
        var names: Set<String> = []
        for path in paths {
            var trimmed = path
            while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
            let name = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
            guard !name.isEmpty, name != ".", name != "..", name != "/" else {
                throw JobletError(.invalidArgument, "cannot pack \(path): it has no name to store it under")
            }
            guard names.insert(name).inserted else {
                throw JobletError(.invalidArgument, "cannot pack \(path): another path is also named '\(name)'")
            }
            try builder.add(trimmed, as: name)
        }
        return try builder.finish()
    }
}
