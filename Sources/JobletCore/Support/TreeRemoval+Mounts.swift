#if canImport(Glibc)
    import Glibc
#endif

extension TreeRemoval {
    /// Refuses a tree that has a mount point at or below it in this namespace's mount table. The
    /// walk's `st_dev` check cannot see a bind mount of the same file system; the table can.
    static func refuseMountPoints(under paths: [String]) throws {
        var mounts: [String]?
        for path in paths {
            // A symlink at `path` is only unlinked, and a missing path needs nothing.
            guard RuntimeFiles.isDirectory(path), let real = RuntimeFiles.realPath(path) else { continue }
            let prefix = real == "/" ? "/" : real + "/"
            if mounts == nil { mounts = MountTable.current().mountPoints }
            let inside = (mounts ?? []).filter { $0 == real || $0.hasPrefix(prefix) }
            guard let first = inside.first else { continue }
            let more = inside.count > 1 ? " (and \(inside.count - 1) more)" : ""
            throw JobletError(.io, "refusing to remove \(path): \(first)\(more) is mounted inside it; nothing was removed, unmount it and remove again")
        }
    }
}
