import Testing
@testable import JobletCore

/// A runtime.yml-shaped model, as the runtime catalog decodes it.
private struct RuntimeFile: Decodable, Equatable {
    struct Mount: Decodable, Equatable {
        var source: String
        var target: String
        var readonly: Bool?
    }
    struct PackageManager: Decodable, Equatable {
        var type: String
        var cache_volume: String?
    }
    struct Requirements: Decodable, Equatable {
        var min_memory: ByteSize?
        var architectures: [String]?
    }
    var name: String
    var type: String
    var version: String
    var description: String?
    var mounts: [Mount]
    var environment: [String: String]?
    var package_manager: PackageManager?
    var requirements: Requirements?
}

private let runtimeYAML = """
    name: python-3.11-ml
    type: managed
    version: 3.11
    description: "Python with numpy"
    mounts:
      - source: bin
        target: /usr/local/bin
        readonly: true
      - source: lib
        target: /usr/local/lib
        readonly: no
    environment:
      PATH_PREPEND: /usr/local/bin
      PYTHONHOME: /usr/local
    package_manager:
      type: pip
      cache_volume: pip-cache
    requirements:
      min_memory: 256MB
      architectures: [x86_64, aarch64]

    """

@Suite struct YAMLTests {
    @Test func decodesARuntimeFile() throws {
        let decoded = try YAML.decode(RuntimeFile.self, from: runtimeYAML, file: "runtime.yml")
        let runtime = decoded.value
        #expect(decoded.warnings.isEmpty)
        #expect(runtime.name == "python-3.11-ml")
        // An unquoted 3.11 asked for as a String keeps its exact text.
        #expect(runtime.version == "3.11")
        #expect(runtime.description == "Python with numpy")
        #expect(
            runtime.mounts == [
                .init(source: "bin", target: "/usr/local/bin", readonly: true),
                .init(source: "lib", target: "/usr/local/lib", readonly: false),
            ])
        #expect(runtime.environment == ["PATH_PREPEND": "/usr/local/bin", "PYTHONHOME": "/usr/local"])
        #expect(runtime.package_manager == .init(type: "pip", cache_volume: "pip-cache"))
        #expect(runtime.requirements?.min_memory == ByteSize(bytes: 256 << 20))
        #expect(runtime.requirements?.architectures == ["x86_64", "aarch64"])
    }

    @Test func quotedAndUnquotedVersionsKeepTheirText() throws {
        struct Versions: Decodable { var a: String; var b: String; var c: String; var d: Double }
        let text = "a: \"3.10\"\nb: 3.10\nc: 17\nd: 3.10\n"
        let value = try YAML.decode(Versions.self, from: text).value
        #expect(value.a == "3.10")
        #expect(value.b == "3.10")
        #expect(value.c == "17")
        #expect(value.d == 3.1)
        guard case .scalar("3.10", _, quoted: true) = try YAML.load(text)["a"] else {
            Issue.record("a quoted scalar must load as quoted")
            return
        }
        guard case .scalar("3.10", _, quoted: false) = try YAML.load(text)["b"] else {
            Issue.record("a plain scalar must load as unquoted")
            return
        }
    }

    @Test func quotedNumberIsNotAnInteger() {
        struct Slots: Decodable { var slots: Int }
        #expect(throws: JobletError(.invalidYAML, "w.yml:1:8: slots: expected an integer, found a string")) {
            try YAML.decode(Slots.self, from: "slots: \"4\"\n", file: "w.yml")
        }
    }

    @Test func customTypeErrorCarriesFileLineColumnAndPath() {
        let text = runtimeYAML.replacingOccurrences("min_memory: 256MB", with: "min_memory: lots")
        #expect(
            throws: JobletError(
                .invalidYAML,
                "runtime.yml:19:15: requirements.min_memory: expected \(ByteSize.acceptedForms)")
        ) {
            try YAML.decode(RuntimeFile.self, from: text, file: "runtime.yml")
        }
    }

    @Test func typeMismatchNamesWhatWasFound() {
        let text = runtimeYAML.replacingOccurrences("architectures: [x86_64, aarch64]", with: "architectures: x86_64")
        #expect(
            throws: JobletError(
                .invalidYAML,
                "runtime.yml:20:18: requirements.architectures: expected a list, found a string")
        ) {
            try YAML.decode(RuntimeFile.self, from: text, file: "runtime.yml")
        }
    }

    @Test func itemErrorNamesTheIndex() {
        let text = runtimeYAML.replacingOccurrences("readonly: no", with: "readonly: maybe")
        #expect(
            throws: JobletError(
                .invalidYAML,
                "runtime.yml:11:15: mounts[1].readonly: expected a boolean (true or false), found a string")
        ) {
            try YAML.decode(RuntimeFile.self, from: text, file: "runtime.yml")
        }
    }

    @Test func missingKeyIsReportedAtItsMapping() {
        let text = runtimeYAML.replacingOccurrences("    target: /usr/local/lib\n", with: "")
        #expect(
            throws: JobletError(
                .invalidYAML,
                "runtime.yml:9:5: mounts[1]: missing required key 'target'")
        ) {
            try YAML.decode(RuntimeFile.self, from: text, file: "runtime.yml")
        }
        #expect(throws: JobletError(.invalidYAML, "runtime.yml:1:1: missing required key 'name'")) {
            try YAML.decode(RuntimeFile.self, from: "type: managed\nversion: 1\nmounts: []\n", file: "runtime.yml")
        }
    }

    @Test func unknownKeysAreWarningsWithTheirLine() throws {
        let text =
            runtimeYAML.replacingOccurrences("    readonly: true", with: "    readonlyy: true")
            + "mountz: []\n"
        let decoded = try YAML.decode(RuntimeFile.self, from: text, file: "runtime.yml")
        #expect(decoded.value.mounts[0].readonly == nil)
        #expect(
            decoded.warnings.map(\.description) == [
                "runtime.yml:8:5: unknown key 'mounts[0].readonlyy' (ignored); known keys: readonly, source, target",
                "runtime.yml:21:1: unknown key 'mountz' (ignored); known keys: description, environment, mounts, name, package_manager, requirements, type, version",
            ])
    }

    @Test func syntaxErrorCarriesLineAndColumn() {
        #expect(
            throws: JobletError(
                .invalidYAML,
                "bad.yml:2:11: invalid YAML: mapping values are not allowed in this context")
        ) {
            try YAML.load("name: x\nversion: a: b\n", file: "bad.yml")
        }
    }

    @Test func aliasesAreRefused() throws {
        let bomb = "a: &a [x, x]\nb: [*a, *a]\n"
        let error = try #require(throws: JobletError.self) { try YAML.load(bomb) }
        #expect(error.code == .invalidYAML)
        #expect(error.message.hasPrefix("1:4: anchors (&a) and aliases are not supported"))
    }

    @Test func duplicateKeysAreRefused() {
        #expect(throws: JobletError(.invalidYAML, "2:1: duplicate key 'name'")) {
            try YAML.load("name: a\nname: b\n")
        }
    }
}

extension String {
    /// Test helper: replaces the one occurrence of `target`, which must exist.
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        var parts: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        precondition(!parts.isEmpty, "\(target) not found")
        return parts.joined(separator: replacement) + replacement + rest
    }
}
