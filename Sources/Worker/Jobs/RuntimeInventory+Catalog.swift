import Isolation
import JobletCore

extension RuntimeInventory {
    /// Scans the catalog and keeps the runtimes this host can run; broken and incompatible ones are logged.
    func scanCatalog() -> [String: InstalledRuntime] {
        let catalog: RuntimeCatalog
        do {
            catalog = try RuntimeCatalog.scan(basePath: basePath)
        } catch {
            logger.warning("cannot scan runtimes", metadata: ["path": "\(basePath)", "error": "\(error)"])
            return [:]
        }
        for problem in catalog.problems {
            logger.warning("skipping broken runtime", metadata: ["path": "\(problem.path)", "error": "\(problem.error)"])
        }
        var found: [String: InstalledRuntime] = [:]
        for entry in catalog.entries {
            if let reason = entry.incompatibility {
                logger.info("runtime not usable on this host", metadata: ["runtime": "\(entry.descriptor.id)", "reason": "\(reason)"])
                continue
            }
            let mounts = entry.config.mounts.map {
                MountSpec(source: entry.directory + "/" + $0.source, target: $0.target, readOnly: $0.readonly)
            }
            found[entry.descriptor.id] = InstalledRuntime(
                descriptor: entry.descriptor, directory: entry.directory, mounts: mounts,
                environment: entry.config.environment(basePATH: Self.basePATH), testCommand: entry.config.test?.argv,
                packageManager: entry.config.packageManager)
        }
        return found
    }

    /// True when the runtime directory changed since the last scan (a few stats).
    func catalogChanged() -> Bool {
        let now = RuntimeCatalogFingerprint.compute(basePath: basePath)
        return fingerprint.withLock { last in
            defer { last = now }
            return last != now
        }
    }
}
