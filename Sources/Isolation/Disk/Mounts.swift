#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// mount(2)/umount2(2) for the job disks, and the mount table they are looked up in.
enum Mounts {
    static func mount(_ source: String, on target: String, type: String, flags: UInt, data: String) throws(SandboxError) {
        try System.call("mount \(source) on \(target)") { Glibc.mount(source, target, type, flags, data) }
    }

    /// Detaches `target` lazily: the filesystem goes (and an autoclear loop device with it) once
    /// the last job namespace that still holds a copy of it is gone. Not mounted is fine.
    static func unmount(_ target: String) throws(SandboxError) {
        do {
            try System.call("umount \(target)") { umount2(target, Int32(MNT_DETACH)) }
        } catch  where error.errno == EINVAL || error.errno == ENOENT {
            return
        }
    }

    /// Mount points strictly under `directory` in this mount namespace, deepest first (the order
    /// to unmount them in).
    static func mountPoints(under directory: String) -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return mountTable().filter { $0.hasPrefix(prefix) }.sorted { $0.count > $1.count }
    }

    /// The mount points of /proc/self/mountinfo (field 5, octal escapes decoded).
    static func mountTable() -> [String] {
        guard let file = fopen("/proc/self/mountinfo", "re") else { return [] }
        defer { fclose(file) }
        var points: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(separator: " ", omittingEmptySubsequences: false)
            if fields.count > 4 { points.append(unescape(fields[4])) }
        }
        return points
    }

    /// mountinfo writes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
