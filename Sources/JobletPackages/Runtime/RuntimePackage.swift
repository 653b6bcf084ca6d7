#if canImport(Glibc)
    import Glibc
#endif
import JobletCore

/// Installing, removing and packing runtime packages (`.tar.gz` or `.zip` holding a runtime directory
/// with its runtime.yml at the archive root or inside one top-level directory).
public enum RuntimePackage {
    /// Limits for package extraction: runtimes are big, but not unbounded.
    public static let extractionLimits = ArchiveLimits(maxTotalBytes: 8 << 30, maxEntries: 500_000, maxEntryBytes: 4 << 30)

    /// Installs a package into `<basePath>/<language>/<name>`.
    ///
    /// The package is checked against `expectedSHA256` (hex) when given, extracted securely into a
    /// staging directory under `basePath` and renamed into place, so a half-installed runtime is never
    /// visible. Installing a runtime whose name and version are already installed is refused unless
    /// `force`; a different version replaces the installed one.
    ///
    /// A replacement is one atomic `renameat2(RENAME_EXCHANGE)` of the staged and the installed
    /// directory: `<base>/<language>/<name>/runtime.yml` never goes missing, so a worker rescanning
    /// meanwhile keeps the runtime and its queue. Jobs running on the old version keep it: the old
    /// tree is retired, not deleted, while mounted (see ``collectRetired(basePath:)``).
    @discardableResult
    public static func install(
        package: String, basePath: String, expectedSHA256: String? = nil,
        force: Bool = false
    ) throws -> Installation {
        if let expected = expectedSHA256 {
            let actual = try sha256(file: package)
            guard actual == expected.lowercased() else {
                throw JobletError(
                    .invalidArchive,
                    "invalid archive: \(package) has sha256 \(actual), expected \(expected.lowercased()); the download is corrupt or not the package you meant")
            }
        }
        let rootPrefix = try detectRuntimeRoot(package: package)

        try RuntimeFiles.makeDirectories(basePath)
        let staging = try RuntimeFiles.makeTemporaryDirectory(in: basePath, prefix: ".staging-")
        defer { try? TreeRemoval.remove(staging) }
        let extracted = RuntimeFiles.join(staging, "package")
        do {
            _ = try ArchiveExtractor.extract(
                file: package, to: extracted, limits: extractionLimits,
                owner: getuid() == 0 ? (0, 0) : nil)
        } catch let error as JobletError {
            throw prefixed(error)
        }
        let runtimeRoot = rootPrefix.isEmpty ? extracted : RuntimeFiles.join(extracted, rootPrefix)

        let loaded: YAMLDecoded<RuntimeConfig>
        do {
            loaded = try RuntimeConfig.load(directory: runtimeRoot)
            try RuntimeCatalog.checkMountSources(of: loaded.value, in: runtimeRoot)
        } catch let error as JobletError {
            // Name the file as it is in the package, not by its staging path.
            var message = error.message
            if message.hasPrefix(runtimeRoot + "/") { message.removeFirst(runtimeRoot.count + 1) }
            throw JobletError(.invalidRuntime, "invalid runtime package \(package): \(message)", cause: error.cause)
        }
        let config = loaded.value
        let languageDirectory = RuntimeFiles.join(basePath, config.language)
        let destination = RuntimeFiles.join(languageDirectory, config.name)

        // The same name may also be installed elsewhere (flat layout, other language directory).
        let existing = RuntimeCatalog.runtimeDirectories(basePath: basePath).filter {
            (try? RuntimeConfig.load(directory: $0).value.name) == config.name
        }
        if !force, let current = existing.first,
            let installed = try? RuntimeConfig.load(directory: current).value, installed.version == config.version
        {
            throw JobletError(
                .invalidArgument, "runtime \(config.name) version \(config.version) is already installed at \(current); use force to reinstall it")
        }

        try RuntimeFiles.makeDirectories(languageDirectory)
        if existing.contains(destination) {
            // Swap in place: the runtime never disappears; the old tree lands where the new one was.
            try swapIn(runtimeRoot, at: destination, scratch: staging)
            try retire(runtimeRoot, name: config.name, basePath: basePath)
        } else {
            try RuntimeFiles.rename(runtimeRoot, destination)
        }
        // Copies of the same name elsewhere (flat layout, other language directory) go only now that
        // the new one is in place: for a moment the catalog sees a duplicate, never no runtime.
        for old in existing where old != destination {
            do {
                try retire(old, name: config.name, basePath: basePath)
            } catch let error as JobletError {
                throw JobletError(
                    error.code,
                    "runtime \(config.name) was installed at \(destination), but the previous copy at \(old) could not be moved away; remove it by hand: \(error.message)",
                    cause: error.cause)
            }
        }
        collectRetired(basePath: basePath)
        return Installation(config: config, warnings: loaded.warnings, directory: destination, replaced: !existing.isEmpty)
    }

    /// Removes the installed runtime `name` (its id); returns the directory it was in.
    ///
    /// Jobs running with it keep their view of it: the tree is renamed out of the catalog at once
    /// and deleted when no job has it mounted any more (see ``collectRetired(basePath:)``).
    @discardableResult
    public static func remove(name: String, basePath: String) throws -> String {
        let directories = RuntimeCatalog.runtimeDirectories(basePath: basePath)
        var names: [String] = []
        for directory in directories {
            guard let config = try? RuntimeConfig.load(directory: directory).value else { continue }
            names.append(config.name)
            guard config.name == name else { continue }
            // Rename away first so the catalog never sees a half-deleted runtime; jobs still using it
            // keep their view until they end (see collectRetired).
            try retire(directory, name: name, basePath: basePath)
            collectRetired(basePath: basePath)
            return directory
        }
        let list = names.isEmpty ? "none installed" : names.sorted().joined(separator: ", ")
        throw JobletError(.runtimeNotFound, "runtime \(name) is not installed in \(basePath); installed: \(list)")
    }

    /// Packs a runtime directory into a deterministic `.tar.gz` with runtime.yml at the archive root:
    /// the same tree always gives the same bytes. The runtime.yml is validated first.
    public static func pack(runtimeDirectory: String, to output: String) throws {
        let loaded = try RuntimeConfig.load(directory: runtimeDirectory)
        try RuntimeCatalog.checkMountSources(of: loaded.value, in: runtimeDirectory)
        try ArchiveWriter.createTarGz(directory: runtimeDirectory, to: output)
    }

    /// Lowercase hex SHA-256 of a file.
    public static func sha256(file: String) throws -> String {
        let hasher = try SHA256Hasher()
        try RuntimeFiles.forEachChunk(file) { hasher.update($0) }
        return hasher.hexDigest()
    }

    /// Archive errors as users see them: `invalid archive: <reason>`, keeping the code (invalid or unsafe).
    static func prefixed(_ error: JobletError) -> JobletError {
        guard error.code == .invalidArchive || error.code == .unsafeArchive,
            !error.message.hasPrefix("invalid archive")
        else { return error }
        return JobletError(error.code, "invalid archive: \(error.message)", cause: error.cause)
    }

    /// Where runtime.yml sits in the package: "" for the root, else the one top-level directory.
    static func detectRuntimeRoot(package: String) throws -> String {
        let entries: [String]
        do {
            entries = try ArchiveExtractor.list(file: package, limits: extractionLimits)
        } catch let error as JobletError {
            throw prefixed(error)
        }
        var roots = Set<String>()
        for entry in entries {
            var parts = entry.split(separator: "/").filter { $0 != "." }
            guard parts.last == "runtime.yml" else { continue }
            parts.removeLast()
            if parts.count <= 1 { roots.insert(parts.first.map(String.init) ?? "") }
        }
        if roots.contains("") { return "" }
        guard !roots.isEmpty else {
            throw JobletError(
                .invalidRuntime,
                "could not detect runtime name: \(package) has no runtime.yml at its root or in a single top-level directory; pack the runtime directory (with its runtime.yml) as the archive root"
            )
        }
        guard roots.count == 1, let root = roots.first else {
            throw JobletError(
                .invalidRuntime,
                "could not detect runtime name: \(package) holds several runtimes (\(roots.sorted().joined(separator: ", "))); package one runtime per archive")
        }
        return root
    }
}
