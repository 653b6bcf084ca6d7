import JobletCore
/// An archive entry's path made relative and checked: no absolute paths, no `..` components.
struct ArchiveEntryPath: Hashable {
    /// Components without `.` and empty ones; empty for the archive root (`./`).
    let components: [String]

    var string: String { components.joined(separator: "/") }

    /// `raw` as stored in the archive; throws `.unsafeArchive` naming the entry.
    init(_ raw: String) throws {
        if raw.hasPrefix("/") {
            throw JobletError(.unsafeArchive, "archive entry '\(raw)' has an absolute path; refusing to extract")
        }
        var components: [String] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." {
                throw JobletError(.unsafeArchive, "archive entry '\(raw)' contains a '..' component; refusing to extract")
            }
            components.append(String(part))
        }
        self.components = components
    }

    /// Every proper prefix of the path (`a`, `a/b` for `a/b/c`).
    var parents: [String] {
        guard components.count > 1 else { return [] }
        return (1..<components.count).map { components[..<$0].joined(separator: "/") }
    }

    /// Whether a symlink at this path with `target` resolves inside the extraction root.
    ///
    /// Only leading `..` components are allowed (`../lib/x`, not `a/../../x`): a `..` after a name
    /// could climb out through another symlink, which a purely lexical check would not see.
    func symlinkStaysInside(_ target: String) -> Bool {
        if target.hasPrefix("/") || target.isEmpty { return false }
        var ups = 0
        var sawName = false
        for part in target.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." {
                if sawName { return false }
                ups += 1
            } else {
                sawName = true
            }
        }
        return ups <= components.count - 1
    }
}
