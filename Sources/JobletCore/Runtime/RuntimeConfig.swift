/// The model of a runtime's `runtime.yml` (the seeds' format plus `language`, `tags` and `test`):
///
/// ```yaml
/// name: "python-3.11"
/// type: "managed"            # static | managed | system
/// version: "3.11"
/// description: "Python 3.11 base runtime"
/// mounts:
///   - source: "bin"          # relative to the runtime directory
///     target: "/usr/local/bin"
///     readonly: true         # default
/// environment:
///   PATH_PREPEND: "/usr/local/bin"
/// package_manager: {type: "pip", cache_volume: "pip-cache"}
/// requirements: {min_memory: "256MB", architectures: ["x86_64", "amd64"]}
/// test: "python3 --version"  # or a list: ["python3", "--version"]
/// ```
public struct RuntimeConfig: Sendable, Equatable {
    /// The canonical id, also the directory name (`python-3.11-ml`).
    public var name: String
    public var type: RuntimeKind
    public var version: String
    public var description: String
    /// From `language`, else derived from the name.
    public var language: String
    /// From `tags`, else derived from the name.
    public var tags: [String]
    public var mounts: [Mount]
    /// The environment as written, including `PATH_PREPEND`; see ``environment(basePATH:)``.
    public var environment: [String: String]
    public var packageManager: PackageManager?
    public var requirements: Requirements
    /// How `rnx runtime test` checks the runtime; it prints the version.
    public var test: TestCommand?

    public init(
        name: String, type: RuntimeKind = .managed, version: String, description: String = "",
        language: String? = nil, tags: [String]? = nil, mounts: [Mount] = [],
        environment: [String: String] = [:], packageManager: PackageManager? = nil,
        requirements: Requirements = Requirements(), test: TestCommand? = nil
    ) {
        let derived = RuntimeName.split(name)
        self.name = name
        self.type = type
        self.version = version
        self.description = description
        self.language = language ?? derived.language
        self.tags = tags ?? derived.tags
        self.mounts = mounts
        self.environment = environment
        self.packageManager = packageManager
        self.requirements = requirements
        self.test = test
    }

    /// The environment a job of this runtime gets: the runtime's variables, with `PATH_PREPEND`
    /// put in front of `basePATH` (or of the runtime's own `PATH`) as `PATH`.
    public func environment(basePATH: String) -> [String: String] {
        var result = environment
        let prepend = result.removeValue(forKey: "PATH_PREPEND")
        let base = result["PATH"] ?? basePATH
        let parts = [prepend, base].compactMap { $0 }.filter { !$0.isEmpty }
        result["PATH"] = parts.joined(separator: ":")
        return result
    }

    /// The summary a worker advertises.
    public var descriptor: RuntimeDescriptor {
        RuntimeDescriptor(
            id: name, language: language, version: version, tags: tags, type: type.rawValue,
            description: description, architectures: requirements.architectures,
            minMemory: requirements.minMemory?.bytes)
    }
}
