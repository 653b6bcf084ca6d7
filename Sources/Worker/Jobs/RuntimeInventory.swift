import Isolation
import JobletCore
import Logging
import Synchronization

/// The runtimes installed under the base path that suit this host, rescanned cheaply.
final class RuntimeInventory: Sendable {
    let basePath: String
    let logger: Logger
    private let current = Mutex<[String: InstalledRuntime]>([:])
    let fingerprint = Mutex<RuntimeCatalogFingerprint?>(nil)

    /// The PATH a job gets before runtimes prepend their own directories.
    static let basePATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    init(basePath: String, logger: Logger) {
        self.basePath = basePath
        self.logger = logger
    }

    var runtimes: [InstalledRuntime] { current.withLock { Array($0.values) }.sorted { $0.descriptor.id < $1.descriptor.id } }

    func runtime(id: String) -> InstalledRuntime? { current.withLock { $0[id] } }

    /// Rescans when the directory changed (or `force`); returns true when the set of runtimes changed.
    @discardableResult
    func rescan(force: Bool = false) -> Bool {
        guard catalogChanged() || force else { return false }
        let found = scanCatalog()
        return current.withLock { existing in
            let changed =
                Set(existing.keys) != Set(found.keys)
                || existing.contains { found[$0.key]?.descriptor != $0.value.descriptor }
            existing = found
            return changed
        }
    }
}
