#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore

extension HostNetwork {
    /// Removes this worker's table, every interface with its tag (jobs' veths, bridges) and its files
    /// (and their tmpfs):
    /// what a crashed predecessor left, or everything at a graceful stop. Interfaces are listed through
    /// netlink (`ip`), never `/sys/class/net`, which shows the namespace `/sys` was mounted in.
    /// Returns how many things it removed.
    @discardableResult
    func sweep() throws(SandboxError) -> Int {
        var removed = 0
        let tables = try NetworkTool.run(["nft", "list", "tables", "inet"], stage: "nft list tables")
        if tables.split(separator: "\n").contains(where: { $0.split(separator: " ").last.map(String.init) == table }) {
            try NetworkTool.run(["nft", "delete", "table", "inet", table], stage: "nft delete table \(table)")
            removed += 1
        }
        // Job veths first: a bridge's removal would only detach them.
        for name in try interfaces().sorted(by: { $0.hasPrefix(vethPrefix) && !$1.hasPrefix(vethPrefix) }) {
            do throws(SandboxError) {
                try NetworkTool.run(["ip", "link", "del", name], stage: "remove \(name)")
                removed += 1
            } catch {
                // A veth goes by itself when its peer's namespace ends: only a survivor is an error.
                if if_nametoindex(name) != 0 { throw error }
            }
        }
        // Jobs still running keep their copies of the files through their own bind mounts.
        while MountTable.current().mountPoints.contains(directory) { try Mounts.unmount(directory) }
        for name in DirectoryEntries.namesIfPresent(directory) {
            unlink(directory + "/" + name)
        }
        return removed
    }

    /// This worker's interfaces (`jb<tag>-*`, `jv<tag>*`) in its network namespace.
    func interfaces() throws(SandboxError) -> [String] {
        let listing = try NetworkTool.run(["ip", "-o", "link", "show"], stage: "ip link show")
        return listing.split(separator: "\n").compactMap { line -> String? in
            // "12: jb1a2b-0: <BROADCAST,…" or "13: jv1a2b1@if2: <…"
            let fields = line.split(separator: ":", maxSplits: 2)
            guard fields.count >= 2 else { return nil }
            let name = String(fields[1].drop { $0 == " " }.split(separator: "@").first ?? "")
            return name.hasPrefix(bridgePrefix) || name.hasPrefix(vethPrefix) ? name : nil
        }
    }
}
