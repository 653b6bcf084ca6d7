#if canImport(Glibc)
    import Glibc
#endif

/// One ``TreeRemoval`` in progress: the directories from the root down to the one being emptied.
/// Depth-first without recursion: read an entry, unlink it or descend into it; at the end of a
/// directory, go back up and remove it from its parent.
struct TreeWalk {
    struct Level {
        /// nil while closed to bound the descriptors (see ``TreeRemoval/heldDirectories``).
        var stream: OpaquePointer?
        let device: dev_t
        let inode: ino_t
        /// Its name in its parent, NUL-terminated.
        let name: [CChar]
        /// Something was removed since the read started: read once more before calling it empty,
        /// because readdir need not report entries that changed while it read.
        var changed = false
    }

    struct Entry {
        let name: [CChar]
        let type: UInt8
    }

    /// What a walk did, so tests can hold it to its descriptor bound.
    struct Statistics: Equatable {
        var removed = 0
        var deepest = 0
        /// Most directories open at once, besides the anchor.
        var peakOpen = 0
        /// Parents found again through `..` after they were closed.
        var reopened = 0
    }

    /// The directory the root lives in; stays open for the whole walk.
    let anchor: Int32
    let rootPath: String
    var levels: [Level] = []
    var statistics = Statistics()
    private var openCount = 0

    init(anchor: Int32, rootPath: String) {
        self.anchor = anchor
        self.rootPath = rootPath
    }

    /// Empties and removes the root (a non-directory root is unlinked). A mount point met on the
    /// way stops the walk: what it removed before stays removed, the rest stays.
    mutating func run(rootName: [CChar]) throws {
        defer { for level in levels { if let stream = level.stream { closedir(stream) } } }
        guard let root = try open(rootName, in: anchor, display: rootPath) else { return }
        push(root)
        while let top = levels.indices.last {
            let stream = try stream(at: top)
            if let entry = try nextEntry(stream) {
                try remove(entry, in: top)
            } else if levels[top].changed {
                rewinddir(stream)
                levels[top].changed = false
            } else {
                try leave()
            }
        }
    }

    /// Unlinks a non-directory; descends into a directory.
    private mutating func remove(_ entry: Entry, in top: Int) throws {
        let fd = dirfd(try stream(at: top))
        levels[top].changed = true
        if entry.type != DT_DIR {
            // d_type may be DT_UNKNOWN: unlinkat itself tells a directory apart.
            switch try TreeCalls.unlinkFile(at: fd, entry.name, display: display(entry.name)) {
            case .removed: statistics.removed += 1; return
            case .gone: return
            case .isDirectory: break
            case .mountPoint: throw mounted(display(entry.name))
            }
        }
        guard let child = try open(entry.name, in: fd, display: display(entry.name)) else {
            statistics.removed += 1
            return
        }
        push(child)
        let evicted = levels.count - 1 - TreeRemoval.heldDirectories
        if evicted >= 0, let old = levels[evicted].stream {
            closedir(old)
            levels[evicted].stream = nil
            openCount -= 1
        }
    }

    private mutating func push(_ level: Level) {
        levels.append(level)
        openCount += 1
        statistics.peakOpen = max(statistics.peakOpen, openCount)
        statistics.deepest = max(statistics.deepest, levels.count)
    }

    /// The innermost directory is empty: close it, get back to its parent and remove it there.
    private mutating func leave() throws {
        let finished = levels.removeLast()
        guard let stream = finished.stream else { throw Self.lostStream(rootPath) }
        defer {
            closedir(stream)
            openCount -= 1
        }
        statistics.removed += 1
        guard let parent = levels.indices.last else {
            if try TreeCalls.removeDirectory(at: anchor, finished.name, display: rootPath) == .mountPoint { throw mounted(rootPath) }
            return
        }
        if levels[parent].stream == nil {
            let fd = try TreeCalls.openParent(
                of: dirfd(stream), expecting: (levels[parent].device, levels[parent].inode),
                display: display(nil))
            guard let reopened = fdopendir(fd) else {
                let code = errno
                close(fd)
                throw IOCall.failed("fdopendir", display(nil), code)
            }
            levels[parent].stream = reopened
            openCount += 1
            statistics.reopened += 1
            statistics.peakOpen = max(statistics.peakOpen, openCount)
        }
        let removed = try TreeCalls.removeDirectory(
            at: dirfd(try self.stream(at: parent)), finished.name, display: display(finished.name))
        if removed == .mountPoint { throw mounted(display(finished.name)) }
        levels[parent].changed = true
    }

    /// Opens a directory entry as the next level; nil when it went away or was not a directory
    /// (then it is unlinked). A mount point stops the walk.
    private func open(_ name: [CChar], in parent: Int32, display: @autoclosure () -> String) throws -> Level? {
        let fd: Int32
        switch try TreeCalls.openChild(at: parent, name, display: display()) {
        case .directory(let opened): fd = opened
        case .gone: return nil
        case .mountPoint: throw mounted(display())
        case .notDirectory:
            switch try TreeCalls.unlinkFile(at: parent, name, display: display()) {
            case .removed, .gone: return nil
            case .mountPoint: throw mounted(display())
            case .isDirectory: throw JobletError(.io, "\(display()) keeps changing between directory and non-directory; stopped")
            }
        }
        // Device and inode, to know the directory again when it is reopened through `..`.
        let info: stat
        do { info = try TreeCalls.fstat(fd, display: display()) } catch { close(fd); throw error }
        guard let stream = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw IOCall.failed("fdopendir", display(), code)
        }
        return Level(stream: stream, device: info.st_dev, inode: info.st_ino, name: name)
    }

    private func nextEntry(_ stream: OpaquePointer) throws -> Entry? {
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                let code = errno
                if code == 0 { return nil }
                if code == EINTR { continue }
                throw IOCall.failed("readdir", display(nil), code)
            }
            var name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.prefix(while: { $0 != 0 }).map { CChar(bitPattern: $0) }
            }
            if name == [46] || name == [46, 46] { continue }  // "." and ".."
            name.append(0)
            return Entry(name: name, type: entry.pointee.d_type)
        }
    }

    private func stream(at index: Int) throws -> OpaquePointer {
        guard let stream = levels[index].stream else { throw Self.lostStream(rootPath) }
        return stream
    }

    /// The error for a mount point at `path`: the kernel refused to step onto it (EXDEV) or to
    /// unlink it (EBUSY).
    private func mounted(_ path: String) -> JobletError {
        let stopped = path == rootPath ? "" : " and stopped there, so the rest of \(rootPath) may remain too"
        return JobletError(
            .io,
            "refusing to remove \(path): a file system is mounted there; left it and its contents alone\(stopped); unmount it and remove \(rootPath) again"
        )
    }

    private static func lostStream(_ rootPath: String) -> JobletError {
        JobletError(.io, "removing \(rootPath): internal error, a directory on the walk's path is not open")
    }

    /// The path of `name` in the innermost level (or of that level), for messages only; a deep one
    /// keeps its first and last components.
    func display(_ name: [CChar]?) -> String {
        var components = levels.dropFirst().map(\.name)
        if let name { components.append(name) }
        func text(_ name: [CChar]) -> String {
            String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard components.count > 6 else { return ([rootPath] + components.map(text)).joined(separator: "/") }
        let head = components.prefix(2).map(text), tail = components.suffix(2).map(text)
        return ([rootPath] + head + ["…(\(components.count - 4) more levels)…"] + tail).joined(separator: "/")
    }
}
