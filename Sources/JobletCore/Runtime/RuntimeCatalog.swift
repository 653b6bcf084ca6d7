/// The runtimes installed under a base path, as a worker sees them.
///
/// Layouts: `<base>/<language>/<name>/runtime.yml` (what ``RuntimePackage`` installs) and the flat
/// `<base>/<name>/runtime.yml` (a package unzipped straight into the base). Broken entries are skipped
/// and listed in ``problems`` without hiding the rest; runtimes the host cannot run stay listed with
/// the reason. Directories starting with `.` (staging areas) are ignored.
public struct RuntimeCatalog: Sendable {
    public let basePath: String
    public let host: RuntimeHost
    /// Sorted by id.
    public private(set) var entries: [Entry]
    public private(set) var problems: [Problem]
    /// What the scan saw; ``isCurrent()`` compares it with the disk.
    public let fingerprint: RuntimeCatalogFingerprint

    /// Scans `basePath`. A missing base path gives an empty catalog.
    public static func scan(basePath: String, host: RuntimeHost) -> RuntimeCatalog {
        var entries: [Entry] = []
        var problems: [Problem] = []
        let fingerprint = RuntimeCatalogFingerprint.compute(basePath: basePath)
        for directory in runtimeDirectories(basePath: basePath) {
            do {
                let loaded = try RuntimeConfig.load(directory: directory)
                try checkMountSources(of: loaded.value, in: directory)
                var descriptor = loaded.value.descriptor
                descriptor.id = loaded.value.name
                entries.append(
                    Entry(
                        descriptor: descriptor, directory: directory, config: loaded.value,
                        warnings: loaded.warnings,
                        incompatibility: host.incompatibility(with: loaded.value.requirements)))
            } catch let error as JobletError {
                problems.append(Problem(path: directory, error: error))
            } catch {
                problems.append(Problem(path: directory, error: JobletError(.invalidRuntime, "\(error)")))
            }
        }
        // Two directories claiming the same name: keep the first, report the others.
        var seen: [String: String] = [:]
        entries = entries.filter { entry in
            if let first = seen[entry.config.name] {
                problems.append(
                    Problem(
                        path: entry.directory,
                        error: JobletError(
                            .invalidRuntime, "runtime \(entry.config.name) is also installed at \(first); remove one of them")))
                return false
            }
            seen[entry.config.name] = entry.directory
            return true
        }
        return RuntimeCatalog(
            basePath: basePath, host: host, entries: entries.sorted { $0.descriptor.id < $1.descriptor.id },
            problems: problems, fingerprint: fingerprint)
    }

    /// Scans `basePath` for this host.
    public static func scan(basePath: String) throws -> RuntimeCatalog {
        scan(basePath: basePath, host: try RuntimeHost.current())
    }

    /// Whether nothing changed on disk since the scan (cheap: a few `stat`s). Poll it and rescan on false.
    public func isCurrent() -> Bool {
        RuntimeCatalogFingerprint.compute(basePath: basePath) == fingerprint
    }

    /// The runtimes this host can run: what a worker advertises and consumes queues for.
    public var compatibleDescriptors: [RuntimeDescriptor] {
        entries.filter(\.isCompatible).map(\.descriptor)
    }

    /// The entry with this exact id.
    public func entry(id: String) -> Entry? {
        entries.first { $0.descriptor.id == id }
    }

    /// Resolves a spec among the compatible runtimes.
    public func resolve(_ spec: String) throws -> Entry {
        let descriptor = try RuntimeResolver.resolve(spec, in: compatibleDescriptors)
        guard let entry = entry(id: descriptor.id) else {
            throw JobletError(.runtimeNotFound, "runtime \(descriptor.id) disappeared")
        }
        return entry
    }

    /// Directories holding a runtime.yml at depth 1 or 2 under `basePath`, sorted.
    package static func runtimeDirectories(basePath: String) -> [String] {
        guard let first = try? RuntimeFiles.list(basePath) else { return [] }
        var result: [String] = []
        for name in first where !name.hasPrefix(".") {
            let path = RuntimeFiles.join(basePath, name)
            guard RuntimeFiles.isDirectory(path) else { continue }
            if RuntimeFiles.exists(RuntimeFiles.join(path, "runtime.yml")) {
                result.append(path)
                continue
            }
            for child in (try? RuntimeFiles.list(path)) ?? [] where !child.hasPrefix(".") {
                let childPath = RuntimeFiles.join(path, child)
                if RuntimeFiles.isDirectory(childPath), RuntimeFiles.exists(RuntimeFiles.join(childPath, "runtime.yml")) {
                    result.append(childPath)
                }
            }
        }
        return result
    }

    /// Every mount source must exist and stay inside the runtime directory after resolving symlinks.
    package static func checkMountSources(of config: RuntimeConfig, in directory: String) throws {
        guard let root = RuntimeFiles.realPath(directory) else {
            throw JobletError(.invalidRuntime, "\(directory) does not exist")
        }
        for mount in config.mounts {
            let path = RuntimeFiles.join(directory, mount.source)
            guard let resolved = RuntimeFiles.realPath(path) else {
                throw JobletError(.invalidRuntime, "\(directory)/runtime.yml: mount source \"\(mount.source)\" does not exist in the runtime directory")
            }
            guard resolved == root || resolved.hasPrefix(root + "/") else {
                throw JobletError(
                    .invalidRuntime,
                    "\(directory)/runtime.yml: mount source \"\(mount.source)\" resolves to \(resolved), outside the runtime directory; replace the symlink with the files"
                )
            }
        }
    }
}
