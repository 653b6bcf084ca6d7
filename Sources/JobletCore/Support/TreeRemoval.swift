#if canImport(Glibc)
    import Glibc
#endif

/// `rm -rf` that a hostile tree cannot defeat; every removal of a work dir, staging dir or retired
/// runtime goes through here.
///
/// A job owns its work dir and can shape it to break path-based removal: 20 nested directories with
/// 250-character names already make the path longer than `PATH_MAX`, so `rmdir(path)` fails and
/// the data stays on the host. So the walk never builds a path: it works from directory descriptors
/// (`openat2` with `O_NOFOLLOW`, `unlinkat`), never follows a symlink, keeps its own stack instead of
/// recursing (a tree may be 100,000 levels deep), and holds only the innermost
/// ``heldDirectories`` directories open, finding a closed one again through `..` and checking it
/// is the same inode. It never steps onto a mount point: every directory is opened with
/// `RESOLVE_NO_XDEV`, so the kernel refuses any mount, a bind mount of the same file system
/// included, in the call that uses it (no mount table, no gap between check and use); a file
/// bind-mounted in the tree cannot be unlinked either. A mount at or inside the tree (a volume or
/// runtime bind mount still in place) stops the removal with an error naming it: what the walk
/// removed before it stays removed; the mount, its contents and what was not reached yet stay.
/// Needs openat2 (Linux 5.6 or later); without it the removal fails instead of risking a mount.
public enum TreeRemoval {
    /// Directories kept open on the way down; deeper than this, an ancestor is closed and reopened
    /// through `..` on the way back, so any depth costs this many descriptors (plus the parent's).
    static let heldDirectories = 32

    /// Removes `path` and everything below it; a missing path is fine, a symlink or file at `path`
    /// is unlinked. Throws `JobletError(.io)` naming the call and the path that failed, or refusing
    /// a mount at or inside the tree. Blocking: from async code use ``removeOnBlockingExecutor(_:)``.
    public static func remove(_ path: String) throws {
        try remove([path])
    }

    /// Removes each of `paths` as ``remove(_:)`` does (a job disk's `work` and `tmp`, emptied after
    /// every job), stopping at the first that fails.
    public static func remove(_ paths: [String]) throws {
        for path in paths { _ = try split(path) }  // `/`, `.` and `..` are refused before anything is looked at
        for path in paths { try walk(path) }
    }

    /// Removes one tree and tells what the walk did (tests hold it to its descriptor bound).
    @discardableResult
    static func walk(_ path: String) throws -> TreeWalk.Statistics {
        let (parent, name) = try split(path)
        // The parent is the caller's own path (state dir, runtimes dir): following its symlinks is fine.
        guard let anchor = try TreeCalls.openDirectory(parent) else { return TreeWalk.Statistics() }
        defer { close(anchor) }
        var walk = TreeWalk(anchor: anchor, rootPath: path)
        try walk.run(rootName: name)
        return walk.statistics
    }

    /// `path` as its parent directory and last component; refuses `/`, `.` and `..`.
    static func split(_ path: String) throws -> (parent: String, name: [CChar]) {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let slash = trimmed.lastIndex(of: "/")
        let name = slash.map { trimmed[trimmed.index(after: $0)...] } ?? trimmed
        guard !name.isEmpty, name != ".", name != ".." else {
            throw JobletError(.invalidArgument, "refusing to remove \"\(path)\": not a removable tree")
        }
        let parent = slash.map { $0 == trimmed.startIndex ? "/" : String(trimmed[..<$0]) } ?? "."
        return (parent, Array(String(name).utf8CString))
    }
}
