import Testing
@testable import JobletCore

@Suite struct RuntimeConfigTests {
    static let seed = """
        name: "python-3.11"
        type: "managed"
        version: "3.11"
        description: "Python 3.11 base runtime"
        mounts:
          - source: "venv/bin"
            target: "/usr/local/bin"
            readonly: true
          - source: "./venv/lib/"
            target: "/usr/local/lib"
        environment:
          PYTHON_HOME: "/usr/local"
          PATH_PREPEND: "/usr/local/bin"
        package_manager:
          type: "pip"
          cache_volume: "pip-cache"
        requirements:
          min_memory: "256MB"
          architectures: [ "x86_64", "amd64" ]
        """

    @Test func parsesTheSeedFormat() throws {
        let loaded = try RuntimeConfig.parse(Self.seed, file: "python-3.11/runtime.yml")
        let config = loaded.value
        #expect(loaded.warnings.isEmpty)
        #expect(config.name == "python-3.11")
        #expect(config.type == .managed)
        #expect(config.version == "3.11")
        #expect(config.language == "python")
        #expect(config.tags == [])
        #expect(
            config.mounts == [
                .init(source: "venv/bin", target: "/usr/local/bin", readonly: true),
                .init(source: "venv/lib", target: "/usr/local/lib", readonly: true),
            ])
        #expect(config.packageManager == .init(type: "pip", cacheVolume: "pip-cache"))
        #expect(config.requirements.minMemory == ByteSize(bytes: 256 << 20))
        #expect(config.requirements.architectures == ["x86_64"])
        #expect(config.test == nil)
        let descriptor = config.descriptor
        #expect(
            descriptor
                == RuntimeDescriptor(
                    id: "python-3.11", language: "python", version: "3.11",
                    type: "managed", description: "Python 3.11 base runtime",
                    architectures: ["x86_64"], minMemory: 256 << 20))
    }

    @Test func pathPrependIsMergedIntoPATH() throws {
        let config = try RuntimeConfig.parse(Self.seed).value
        let environment = config.environment(basePATH: "/usr/bin:/bin")
        #expect(environment == ["PYTHON_HOME": "/usr/local", "PATH": "/usr/local/bin:/usr/bin:/bin"])
    }

    @Test func languageTagsAndTestFromTheFileOrFromTheName() throws {
        let derived = try RuntimeConfig.parse(
            """
            name: python-3.11-ml
            test: python3 --version
            """
        ).value
        #expect(derived.language == "python")
        #expect(derived.version == "3.11")
        #expect(derived.tags == ["ml"])
        #expect(derived.test?.argv == ["/bin/sh", "-c", "python3 --version"])

        let explicit = try RuntimeConfig.parse(
            """
            name: openjdk-17
            language: java
            tags: [lts, jdk]
            type: static
            test: ["java", "-version"]
            """
        ).value
        #expect(explicit.language == "java")
        #expect(explicit.tags == ["lts", "jdk"])
        #expect(explicit.type == .static)
        #expect(explicit.test == .argv(["java", "-version"]))
    }

    @Test func unknownKeysAreWarningsWithLocation() throws {
        let loaded = try RuntimeConfig.parse(
            """
            name: node-20
            mountz: []
            requirements:
              min_memroy: 1G
            """, file: "node-20/runtime.yml")
        #expect(loaded.value.name == "node-20")
        #expect(
            loaded.warnings.map(\.description) == [
                "node-20/runtime.yml:2:9: unknown key 'mountz' (ignored); known keys: name, type, version, description, language, tags, mounts, environment, package_manager, requirements, test",
                "node-20/runtime.yml:4:15: unknown key 'requirements.min_memroy' (ignored); known keys: min_memory, architectures",
            ])
    }

    @Test(arguments: [
        (
            "name: x-1\nmounts:\n  - source: ../../etc\n    target: /etc\n",
            "rt.yml:3:13: mounts[0].source: \"../../etc\" escapes the runtime directory"
        ),
        (
            "name: x-1\nmounts:\n  - source: /etc\n    target: /etc\n",
            "rt.yml:3:13: mounts[0].source: \"/etc\" escapes the runtime directory"
        ),
        (
            "name: x-1\nmounts:\n  - source: bin\n    target: usr/bin\n",
            "rt.yml:4:13: mounts[0].target: \"usr/bin\" is not absolute: use an absolute path"
        ),
        (
            "name: x-1\nmounts:\n  - source: bin\n",
            "rt.yml:3:5: mounts[0]: missing required key 'target'"
        ),
        (
            "name: x-1\ntype: dynamic\n",
            "rt.yml:2:7: type: unknown type \"dynamic\": expected one of static, managed, system"
        ),
        (
            "version: 1\n",
            "rt.yml:1:1: missing required key 'name'"
        ),
        (
            "name: custom\n",
            "rt.yml:1:1: missing required key 'version'"
        ),
        (
            "name: Python 3\nversion: 3\n",
            "rt.yml:1:7: name: \"Python 3\" is not a valid runtime name"
        ),
        (
            "name: x-1\nrequirements:\n  min_memory: lots\n",
            "rt.yml:3:15: requirements.min_memory: expected a size like"
        ),
        (
            "name: x-1\nrequirements:\n  architectures: [x86_64, sparc]\n",
            "rt.yml:3:18: requirements.architectures[1]: unknown architecture \"sparc\": expected x86_64 (amd64) or aarch64 (arm64)"
        ),
        (
            "name: x-1\nmounts: bin\n",
            "rt.yml:2:9: mounts: expected a list"
        ),
        (
            "name: x-1\nenvironment:\n  PATH_PREPEND: [a]\n",
            "rt.yml:3:17: environment.PATH_PREPEND: expected a string, found a list"
        ),
        (
            "- just\n- a list\n",
            "rt.yml:1:1: expected a mapping, found a list"
        ),
    ])
    func invalidFilesNameLineColumnAndTheFix(text: String, expected: String) {
        do {
            let config = try RuntimeConfig.parse(text, file: "rt.yml")
            Issue.record("expected an error, parsed \(config.value)")
        } catch let error as JobletError {
            #expect(error.code == .invalidRuntime)
            #expect(error.message.hasPrefix(expected), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func syntaxErrorsCarryLineAndColumn() {
        do {
            _ = try RuntimeConfig.parse("name: x-1\nmounts: [a, b\n", file: "rt.yml")
            Issue.record("expected a syntax error")
        } catch let error as JobletError {
            #expect(error.code == .invalidYAML)
            #expect(error.message.hasPrefix("rt.yml:"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
