#if canImport(Glibc)
    import Glibc
#endif
import JobletCore

/// Replacing or removing a runtime that running jobs use.
///
/// A job sees a runtime through bind mounts of the runtime's directories into its own mount
/// namespace. Those mounts pin the directory inodes, and renaming the tree on the host does not
/// touch them: the job keeps reading the old files. Unlinking is different: deleting the files
/// *inside* a bind-mounted directory empties the very directory the job sees (it is the same
/// inode), so a job would find its interpreter gone. Hence an old tree is only renamed away, into
/// `<base>/.retired-<name>-XXXXXX/runtime` (hidden from the catalog), and deleted once no mount
/// namespace on the host still has a mount rooted inside it. ``collectRetired(basePath:)`` runs
/// after every install and removal; a worker may also call it when it rescans.
///
/// One narrow race remains: a `mount(2)` whose source lookup resolved the old tree just before the
/// swap and that completes after the in-use check could see the old tree deleted under it.
extension RuntimePackage {
    static let retiredPrefix = ".retired-"

    /// Moves the runtime tree `directory` out of the catalog's sight, to be deleted when unused.
    static func retire(_ directory: String, name: String, basePath: String) throws {
        let holder = try RuntimeFiles.makeTemporaryDirectory(in: basePath, prefix: retiredPrefix + name + "-")
        do {
            try RuntimeFiles.rename(directory, RuntimeFiles.join(holder, "runtime"))
        } catch {
            try? TreeRemoval.remove(holder)
            throw error
        }
    }

    /// Deletes the retired runtime trees under `basePath` that no running job has mounted any more.
    /// Returns the retired trees still kept, because a mount namespace still uses them (or because
    /// that could not be established: a tree is never deleted on a guess).
    @discardableResult
    public static func collectRetired(basePath: String) -> [String] {
        let holders = ((try? RuntimeFiles.list(basePath)) ?? [])
            .filter { $0.hasPrefix(retiredPrefix) }
            .map { RuntimeFiles.join(basePath, $0) }
        guard !holders.isEmpty else { return [] }
        let mounts = MountTable.allNamespaces()
        let own = MountTable.current()
        var kept: [String] = []
        for holder in holders {
            let inUse = own.location(of: holder).map { mounts.hasMount(rootedIn: $0) } ?? true
            if !inUse { try? TreeRemoval.remove(holder) }
            if RuntimeFiles.exists(holder) { kept.append(holder) }
        }
        return kept
    }
}
