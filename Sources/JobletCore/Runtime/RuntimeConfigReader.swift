/// Walks a runtime.yml node tree into a ``RuntimeConfig``, with `file:line:column` on every error.
struct RuntimeConfigReader {
    let file: String
    var warnings: [YAMLWarning] = []

    init(file: String) { self.file = file }

    func fail(_ node: YAMLNode, _ path: String, _ message: String) -> JobletError {
        let location = "\(file):\(node.mark.line):\(node.mark.column)"
        return JobletError(.invalidRuntime, "\(location): \(path.isEmpty ? "" : "\(path): ")\(message)")
    }

    mutating func read(_ root: YAMLNode) throws -> RuntimeConfig {
        let pairs = try mapping(root, "", known: RuntimeConfig.knownKeys)

        guard let nameNode = pairs["name"] else { throw fail(root, "", "missing required key 'name' (e.g. name: \"python-3.11\")") }
        let name = try string(nameNode, "name")
        guard RuntimeSpec.isRuntimeName(name) else {
            throw fail(nameNode, "name", "\"\(name)\" is not a valid runtime name: use lowercase letters, digits, '.', '-' and '_' (e.g. python-3.11-ml)")
        }
        let derived = RuntimeName.split(name)

        var kind = RuntimeKind.managed
        if let node = pairs["type"] {
            let text = try string(node, "type")
            guard let parsed = RuntimeKind(rawValue: text.lowercased()) else {
                throw fail(node, "type", "unknown type \"\(text)\": expected one of static, managed, system")
            }
            kind = parsed
        }

        var version = derived.version
        if let node = pairs["version"] { version = try string(node, "version") }
        guard !version.isEmpty else {
            throw fail(root, "", "missing required key 'version' (e.g. version: \"3.11\"); it cannot be derived from the name \"\(name)\"")
        }

        let description = try pairs["description"].map { try string($0, "description") } ?? ""
        var language = derived.language
        if let node = pairs["language"] {
            language = try string(node, "language").lowercased()
            guard RuntimeSpec.isWord(language) else { throw fail(node, "language", "\"\(language)\" is not a language name like python") }
        }
        var tags = derived.tags
        if let node = pairs["tags"] {
            tags = try stringList(node, "tags").map { $0.lowercased() }
            for (index, tag) in tags.enumerated() where !RuntimeSpec.isWord(tag) {
                throw fail(node, "tags[\(index)]", "\"\(tag)\" is not a tag name like ml")
            }
        }

        var mounts: [RuntimeConfig.Mount] = []
        if let node = pairs["mounts"] {
            guard case .sequence(let items, _) = node else { throw fail(node, "mounts", "expected a list of {source, target, readonly}") }
            for (index, item) in items.enumerated() {
                mounts.append(try mount(item, "mounts[\(index)]"))
            }
        }

        var environment: [String: String] = [:]
        if let node = pairs["environment"] {
            for (key, value) in try orderedMapping(node, "environment") {
                guard RuntimeConfigReader.isEnvironmentName(key) else {
                    throw fail(value, "environment.\(key)", "not a valid environment variable name (letters, digits, '_')")
                }
                environment[key] = try string(value, "environment.\(key)")
            }
        }

        var packageManager: RuntimeConfig.PackageManager?
        if let node = pairs["package_manager"] {
            let fields = try mapping(node, "package_manager", known: ["type", "cache_volume"])
            guard let typeNode = fields["type"] else { throw fail(node, "package_manager", "missing required key 'type' (e.g. pip)") }
            packageManager = RuntimeConfig.PackageManager(
                type: try string(typeNode, "package_manager.type"),
                cacheVolume: try fields["cache_volume"].map { try string($0, "package_manager.cache_volume") })
        }

        var requirements = RuntimeConfig.Requirements()
        if let node = pairs["requirements"] {
            let fields = try mapping(node, "requirements", known: ["min_memory", "architectures"])
            if let memory = fields["min_memory"] {
                let text = try string(memory, "requirements.min_memory")
                guard let size = try? ByteSize(parsing: text) else {
                    throw fail(memory, "requirements.min_memory", "expected \(ByteSize.acceptedForms), found \"\(text)\"")
                }
                requirements.minMemory = size
            }
            if let archNode = fields["architectures"] {
                for (index, arch) in try stringList(archNode, "requirements.architectures").enumerated() {
                    guard let normal = RuntimeArchitecture.normalize(arch) else {
                        throw fail(
                            archNode, "requirements.architectures[\(index)]",
                            "unknown architecture \"\(arch)\": expected \(RuntimeArchitecture.acceptedNames)")
                    }
                    if !requirements.architectures.contains(normal) { requirements.architectures.append(normal) }
                }
            }
        }

        var test: RuntimeConfig.TestCommand?
        if let node = pairs["test"] {
            switch node {
            case .sequence:
                let argv = try stringList(node, "test")
                guard !argv.isEmpty else { throw fail(node, "test", "the command list is empty") }
                test = .argv(argv)
            default:
                let command = try string(node, "test")
                guard !command.isEmpty else { throw fail(node, "test", "the command is empty") }
                test = .shell(command)
            }
        }

        return RuntimeConfig(
            name: name, type: kind, version: version, description: description,
            language: language, tags: tags, mounts: mounts, environment: environment,
            packageManager: packageManager, requirements: requirements, test: test)
    }

    mutating func mount(_ node: YAMLNode, _ path: String) throws -> RuntimeConfig.Mount {
        let fields = try mapping(node, path, known: ["source", "target", "readonly"])
        guard let sourceNode = fields["source"] else { throw fail(node, path, "missing required key 'source' (a directory of the runtime, e.g. bin)") }
        guard let targetNode = fields["target"] else {
            throw fail(node, path, "missing required key 'target' (an absolute path in the job, e.g. /usr/local/bin)")
        }
        let sourceText = try string(sourceNode, "\(path).source")
        guard let source = RuntimeFiles.containedRelativePath(sourceText) else {
            throw fail(
                sourceNode, "\(path).source",
                "\"\(sourceText)\" escapes the runtime directory: use a path relative to the directory holding runtime.yml, without '..'")
        }
        let target = try string(targetNode, "\(path).target")
        guard target.hasPrefix("/") else {
            throw fail(targetNode, "\(path).target", "\"\(target)\" is not absolute: use an absolute path in the job such as /usr/local/bin")
        }
        let targetParts = target.split(separator: "/")
        guard !targetParts.isEmpty, !targetParts.contains(".."), !targetParts.contains(".") else {
            throw fail(targetNode, "\(path).target", "\"\(target)\" must be a normalised absolute path other than / (no '.' or '..')")
        }
        var readonly = true
        if let node = fields["readonly"] {
            guard case .scalar(let text, _, false) = node, let value = RuntimeConfigReader.bool(text) else {
                throw fail(node, "\(path).readonly", "expected true or false")
            }
            readonly = value
        }
        return RuntimeConfig.Mount(source: source, target: "/" + targetParts.joined(separator: "/"), readonly: readonly)
    }

    // MARK: - node helpers

    /// A mapping's values by key; keys outside `known` become warnings.
    mutating func mapping(_ node: YAMLNode, _ path: String, known: [String]) throws -> [String: YAMLNode] {
        var result: [String: YAMLNode] = [:]
        for (key, value) in try orderedMapping(node, path) {
            if known.contains(key) {
                result[key] = value
            } else {
                let where_ = path.isEmpty ? key : "\(path).\(key)"
                warnings.append(
                    YAMLWarning(
                        file: file, mark: value.mark,
                        message: "unknown key '\(where_)' (ignored); known keys: \(known.joined(separator: ", "))"))
            }
        }
        return result
    }

    func orderedMapping(_ node: YAMLNode, _ path: String) throws -> [(key: String, value: YAMLNode)] {
        switch node {
        case .mapping(let pairs, _):
            var seen = Set<String>()
            for (key, value) in pairs where !seen.insert(key).inserted {
                throw fail(value, path.isEmpty ? key : "\(path).\(key)", "duplicate key '\(key)'")
            }
            return pairs
        case .null where !path.isEmpty:
            return []
        default:
            throw fail(node, path, "expected a mapping, found \(RuntimeConfigReader.kind(node))")
        }
    }

    func string(_ node: YAMLNode, _ path: String) throws -> String {
        guard case .scalar(let text, _, _) = node else {
            throw fail(node, path, "expected a string, found \(RuntimeConfigReader.kind(node))")
        }
        return text
    }

    func stringList(_ node: YAMLNode, _ path: String) throws -> [String] {
        switch node {
        case .sequence(let items, _):
            return try items.enumerated().map { try string($1, "\(path)[\($0)]") }
        case .null:
            return []
        default:
            throw fail(node, path, "expected a list, found \(RuntimeConfigReader.kind(node))")
        }
    }

    static func kind(_ node: YAMLNode) -> String {
        switch node {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .null: return "nothing"
        case .scalar: return "a scalar"
        }
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
