#if canImport(Glibc)
    import Glibc
#endif

/// Mounts as `/proc/<pid>/mountinfo` lists them: which file-system subtree each mount shows.
/// The kernel renders a mount's root from the dentry at read time, so a bind mount of a tree
/// that was renamed since is listed under the tree's new path.
package struct MountTable {
    package struct Mount: Hashable {
        /// `major:minor` of the file system.
        package var device: String
        /// The mount's root, as a path inside its file system.
        package var root: String
        package var mountPoint: String
        /// The file system type (`ext4`, `cgroup2` …), the field after the ` - ` separator.
        package var type: String
    }

    /// Where a path lives: its file system and its path inside it.
    package struct Location {
        package var device: String
        package var path: String
    }

    package var mounts: [Mount]

    /// The mount table of the calling process's namespace.
    package static func current() -> MountTable {
        MountTable(mounts: read("/proc/self/mountinfo"))
    }

    /// The mounts of every mount namespace some process on the host is in.
    package static func allNamespaces() -> MountTable {
        var seen = Set<String>()
        var mounts = Set<Mount>()
        for pid in (try? RuntimeFiles.list("/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
            // One read per namespace; when the link cannot be read, read the table anyway.
            if let namespace = readLink("/proc/\(pid)/ns/mnt") {
                guard seen.insert(namespace).inserted else { continue }
            }
            mounts.formUnion(read("/proc/\(pid)/mountinfo"))
        }
        return MountTable(mounts: Array(mounts))
    }

    static func read(_ path: String) -> [Mount] {
        // Processes exit while we scan: a vanished table simply has no mounts.
        guard let bytes = try? RuntimeFiles.readBytes(path, limit: 64 << 20) else { return [] }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses mountinfo lines: `id parent major:minor root mount-point options ... - type source super-options`.
    package static func parse(_ text: String) -> [Mount] {
        // Split as bytes: the table is ASCII but for escapes, and splitting Characters (grapheme breaking)
        // made this parse a few percent of a worker's CPU per job (it is read for every job's clean-up).
        text.utf8.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true).map { Substring($0) }
            guard fields.count >= 5 else { return nil }
            // Optional fields (`shared:1` …) follow the options, up to the lone `-`.
            let type = fields.dropFirst(6).firstIndex(of: "-").flatMap { $0 + 1 < fields.count ? unescape(fields[$0 + 1]) : nil }
            return Mount(device: String(fields[2]), root: unescape(fields[3]), mountPoint: unescape(fields[4]), type: type ?? "")
        }
    }

    /// The mount points, in the table's order (a later one is on top of an earlier one at the same point).
    package var mountPoints: [String] { mounts.map(\.mountPoint) }

    /// Mount points strictly under `directory`, deepest first (the order to unmount them in).
    package func mountPoints(under directory: String) -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return mountPoints.filter { $0.hasPrefix(prefix) }.sorted { $0.count > $1.count }
    }

    /// mountinfo writes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: Substring) -> String {
        // Nearly every field has no escape: no byte array for it (a worker reads the table per job).
        guard field.utf8.contains(UInt8(ascii: "\\")) else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
                let value = UInt8(String(decoding: utf8[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBufferPointer { raw -> Int32? in
            guard let start = raw.baseAddress else { return nil }
            return try? IOCall.run("readlink", path) { Int32(readlink(path, start, raw.count - 1)) }
        }
        guard let count else { return nil }
        return String(decoding: buffer[0..<Int(count)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path`'s file system and path inside it, per this table; nil when it cannot be told.
    package func location(of path: String) -> Location? {
        guard let real = RuntimeFiles.realPath(path), let info = RuntimeFiles.stat(real) else { return nil }
        let dev = UInt64(info.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        let device = "\(major):\(minor)"
        // The innermost mount covering the path; among equal mount points the last one is on top.
        var best: (mount: Mount, rest: String)?
        for mount in mounts where mount.device == device {
            let rest: String
            if mount.mountPoint == "/" {
                rest = String(real.dropFirst())
            } else if real == mount.mountPoint {
                rest = ""
            } else if real.hasPrefix(mount.mountPoint + "/") {
                rest = String(real.dropFirst(mount.mountPoint.count + 1))
            } else {
                continue
            }
            if let current = best, current.mount.mountPoint.count > mount.mountPoint.count { continue }
            best = (mount, rest)
        }
        guard let best else { return nil }
        if best.rest.isEmpty { return Location(device: device, path: best.mount.root) }
        return Location(device: device, path: RuntimeFiles.join(best.mount.root, best.rest))
    }

    /// True when some mount shows `location` or a directory inside it.
    package func hasMount(rootedIn location: Location) -> Bool {
        mounts.contains { mount in
            mount.device == location.device
                && (mount.root == location.path || mount.root.hasPrefix(location.path + "/"))
        }
    }
}
