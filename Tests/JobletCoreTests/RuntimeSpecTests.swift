import Testing
@testable import JobletCore

@Suite struct RuntimeSpecTests {
    @Test(
        arguments: [
            ("python:3.11+ml", "python", "3.11", ["ml"], nil, nil),
            ("python:3.11", "python", "3.11", [], nil, nil),
            ("python:3", "python", "3", [], nil, nil),
            ("node:20", "node", "20", [], nil, nil),
            ("java:17", "java", "17", [], nil, nil),
            ("Python", "python", nil, [], nil, nil),
            ("python+ml", "python", nil, ["ml"], nil, nil),
            ("python-3.11-ml", "python", "3.11", ["ml"], "python-3.11-ml", nil),
            ("node:20@amd64", "node", "20", [], nil, "x86_64"),
            ("python:3.11+ml@arm64", "python", "3.11", ["ml"], nil, "aarch64"),
            ("java-17@aarch64", "java", "17", [], "java-17", "aarch64"),
        ] as [(String, String, String?, [String], String?, String?)])
    func parsesAcceptedForms(
        text: String, language: String, version: String?, tags: [String],
        id: String?, arch: String?
    ) throws {
        let spec = try RuntimeSpec(parsing: text)
        #expect(spec.language == language)
        #expect(spec.version == version)
        #expect(spec.tags == tags)
        #expect(spec.id == id)
        #expect(spec.architecture == arch)
    }

    @Test func canonicalTextNormalisesAliases() throws {
        #expect(try RuntimeSpec(parsing: "python:3.11+ml@amd64").description == "python:3.11+ml@x86_64")
        #expect(try RuntimeSpec(parsing: "python-3.11-ml@arm64").description == "python-3.11-ml@aarch64")
    }

    @Test(arguments: [
        "", "python:", ":3.11", "python:3.11:4", "python:3.11+", "py thon:3", "python@sparc",
        "python:abc", "../etc", "python-ml", "node:20@",
    ])
    func rejectsBadSpecsNamingTheAcceptedForms(text: String) {
        #expect {
            try RuntimeSpec(parsing: text)
        } throws: { error in
            guard let error = error as? JobletError else { return false }
            return error.code == .invalidSpec && error.message.contains("invalid runtime spec \"\(text)\"")
                && error.message.contains("python:3.11+ml") && error.message.contains("python-3.11-ml")
        }
    }

    @Test func unknownArchitectureIsNamed() {
        #expect(throws: JobletError.self) { try RuntimeSpec(parsing: "node:20@sparc") }
        do {
            _ = try RuntimeSpec(parsing: "node:20@sparc")
        } catch let error as JobletError {
            #expect(error.message.contains("unknown architecture \"sparc\""))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite struct RuntimeResolverTests {
    static let fleet: [RuntimeDescriptor] = [
        RuntimeDescriptor(id: "python-3.11", language: "python", version: "3.11"),
        RuntimeDescriptor(id: "python-3.11-ml", language: "python", version: "3.11", tags: ["ml"]),
        RuntimeDescriptor(id: "python-3.9", language: "python", version: "3.9"),
        RuntimeDescriptor(id: "node-20", language: "node", version: "20", architectures: ["x86_64"]),
        // Language, version and tags left empty: derived from the id.
        RuntimeDescriptor(id: "java-17", language: "", version: ""),
        RuntimeDescriptor(id: "java-21-gpu", language: "", version: "", architectures: ["aarch64"]),
    ]

    @Test(arguments: [
        ("python:3.11+ml", "python-3.11-ml"),
        ("python:3.11", "python-3.11"),  // no tags asked: the runtime without extra tags
        ("python:3", "python-3.11"),  // 3.11 > 3.9 by components
        ("python:3.9", "python-3.9"),
        ("python", "python-3.11"),
        ("python+ml", "python-3.11-ml"),
        ("python-3.11-ml", "python-3.11-ml"),
        ("python-3.11", "python-3.11"),
        ("node:20", "node-20"),
        ("node:20@amd64", "node-20"),
        ("java:17", "java-17"),
        ("java", "java-17"),
        ("java:21+gpu@arm64", "java-21-gpu"),
    ])
    func resolvesToTheExpectedRuntime(spec: String, expected: String) throws {
        #expect(try RuntimeResolver.resolve(spec, in: Self.fleet).id == expected)
    }

    @Test func highestVersionWinsAmongEqualTags() throws {
        let runtimes = [
            RuntimeDescriptor(id: "python-3.9", language: "python", version: "3.9"),
            RuntimeDescriptor(id: "python-3.12", language: "python", version: "3.12"),
            RuntimeDescriptor(id: "python-3.10", language: "python", version: "3.10"),
        ]
        #expect(try RuntimeResolver.resolve("python:3", in: runtimes).id == "python-3.12")
        #expect(
            RuntimeResolver.candidates(for: try RuntimeSpec(parsing: "python"), in: runtimes).map(\.id)
                == ["python-3.12", "python-3.10", "python-3.9"])
    }

    @Test(arguments: [
        ("node:18", "no runtime matches node:18; available: java-17, java-21-gpu, node-20, python-3.11, python-3.11-ml, python-3.9"),
        ("python:3.1", "no runtime matches python:3.1; available: "),  // 3.1 is not a prefix of 3.11
        ("python:3.11+gpu", "no runtime matches python:3.11+gpu; available: "),
        ("node:20@aarch64", "no runtime matches node:20@aarch64; available: "),
        ("ruby-3.2", "no runtime matches ruby-3.2; available: "),
    ])
    func unmatchedSpecsListTheCandidates(spec: String, message: String) {
        do {
            let found = try RuntimeResolver.resolve(spec, in: Self.fleet)
            Issue.record("expected no match, got \(found.id)")
        } catch let error as JobletError {
            #expect(error.code == .runtimeNotFound)
            #expect(error.message.hasPrefix(message))
            #expect(error.message.contains("node-20, python-3.11"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aTaggedRuntimeIsTheFallbackWhenNoPlainOneExists() throws {
        let runtimes = [RuntimeDescriptor(id: "python-3.11-ml", language: "python", version: "3.11", tags: ["ml"])]
        #expect(try RuntimeResolver.resolve("python:3.11", in: runtimes).id == "python-3.11-ml")
        #expect(try RuntimeResolver.resolve("python-3.11", in: runtimes).id == "python-3.11-ml")
    }

    @Test func emptyFleetSaysNothingIsInstalled() {
        #expect(throws: JobletError(.runtimeNotFound, "no runtime matches node:20; available: none installed")) {
            try RuntimeResolver.resolve("node:20", in: [])
        }
    }

    @Test func namesAreSplitIntoLanguageVersionAndTags() {
        #expect(RuntimeName.split("python-3.11-ml") == ("python", "3.11", ["ml"]))
        #expect(RuntimeName.split("node-20") == ("node", "20", []))
        #expect(RuntimeName.split("custom") == ("custom", "", []))
    }
}
