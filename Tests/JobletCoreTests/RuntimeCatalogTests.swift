import Foundation
import TestSupport
import Testing
@testable import JobletCore

@Suite struct RuntimeCatalogTests {
    let host = RuntimeHost(architecture: "x86_64", memory: ByteSize(bytes: 8 << 30))

    @Test func scansBothLayoutsAndKeepsGoingPastBrokenAndIncompatibleRuntimes() throws {
        let base = try RuntimeScratch.directory("catalog")
        defer { RuntimeScratch.remove(base) }
        try RuntimeScratch.runtime(at: base + "/python/python-3.11", name: "python-3.11", version: "3.11")
        try RuntimeScratch.runtime(at: base + "/node-20", name: "node-20", version: "20")  // flat layout
        // Broken: a mount target that is not absolute.
        try RuntimeScratch.write(
            "name: java-17\nmounts:\n  - source: jdk\n    target: opt/jdk\n",
            to: base + "/java/java-17/runtime.yml")
        // Broken: a mount source symlink leaving the runtime directory.
        try RuntimeScratch.write(
            "name: ruby-3\nmounts:\n  - source: lib\n    target: /opt/ruby\n",
            to: base + "/ruby/ruby-3/runtime.yml")
        try FileManager.default.createSymbolicLink(atPath: base + "/ruby/ruby-3/lib", withDestinationPath: "/etc")
        // Incompatible: built for aarch64 only, and one needing more memory than the host has.
        try RuntimeScratch.runtime(
            at: base + "/go/go-1.22", name: "go-1.22", version: "1.22",
            extra: "requirements:\n  architectures: [arm64]")
        try RuntimeScratch.runtime(
            at: base + "/python/python-3.12-ml", name: "python-3.12-ml", version: "3.12",
            extra: "requirements:\n  min_memory: 64G")
        try FileManager.default.createDirectory(atPath: base + "/.staging-abc/x", withIntermediateDirectories: true)

        let catalog = RuntimeCatalog.scan(basePath: base, host: host)
        #expect(catalog.entries.map(\.descriptor.id) == ["go-1.22", "node-20", "python-3.11", "python-3.12-ml"])
        #expect(catalog.compatibleDescriptors.map(\.id) == ["node-20", "python-3.11"])
        #expect(catalog.entry(id: "go-1.22")?.incompatibility == "requires architecture aarch64, host is x86_64")
        #expect(catalog.entry(id: "python-3.12-ml")?.incompatibility == "requires at least 64G of memory, host has 8G")
        #expect(catalog.entry(id: "node-20")?.directory == base + "/node-20")
        #expect(catalog.entry(id: "python-3.11")?.descriptor.language == "python")
        #expect(catalog.entry(id: "node-20")?.hostMounts == [.init(source: base + "/node-20/bin", target: "/opt/node-20/bin")])
        #expect(catalog.entry(id: "node-20")?.environment(basePATH: "/usr/bin")["PATH"] == "/opt/node-20/bin:/usr/bin")

        let problems = Dictionary(uniqueKeysWithValues: catalog.problems.map { ($0.path, $0.error.message) })
        #expect(problems.count == 2)
        #expect(problems[base + "/java/java-17"]?.contains("java-17/runtime.yml:4:13: mounts[0].target") == true)
        #expect(problems[base + "/ruby/ruby-3"]?.contains("outside the runtime directory") == true)

        // Resolution only offers what this host can run.
        #expect(try catalog.resolve("python:3").descriptor.id == "python-3.11")
        #expect(throws: JobletError.self) { try catalog.resolve("go:1.22") }
    }

    @Test func fingerprintNoticesInstallsRemovalsAndEdits() throws {
        let base = try RuntimeScratch.directory("fingerprint")
        defer { RuntimeScratch.remove(base) }
        try RuntimeScratch.runtime(at: base + "/python/python-3.11", name: "python-3.11", version: "3.11")

        var catalog = RuntimeCatalog.scan(basePath: base, host: host)
        #expect(catalog.isCurrent())
        #expect(catalog.isCurrent())  // polling without changes stays current

        try RuntimeScratch.runtime(at: base + "/node/node-20", name: "node-20", version: "20")
        #expect(!catalog.isCurrent())
        catalog = RuntimeCatalog.scan(basePath: base, host: host)
        #expect(catalog.entries.count == 2)
        #expect(catalog.isCurrent())

        // Editors and installers replace files by rename: a new inode.
        try RuntimeScratch.runtime(at: base + "/node/node-20", name: "node-20", version: "20.1")
        #expect(!catalog.isCurrent())
        catalog = RuntimeCatalog.scan(basePath: base, host: host)
        #expect(catalog.entry(id: "node-20")?.descriptor.version == "20.1")

        try TreeRemoval.remove(base + "/python/python-3.11")
        #expect(!catalog.isCurrent())
        #expect(RuntimeCatalog.scan(basePath: base, host: host).entries.map(\.descriptor.id) == ["node-20"])
    }

    @Test func missingBasePathIsAnEmptyCatalog() {
        let catalog = RuntimeCatalog.scan(basePath: "/nonexistent/joblet-runtimes", host: host)
        #expect(catalog.entries.isEmpty)
        #expect(catalog.problems.isEmpty)
    }

    @Test func thisHostIsDescribed() throws {
        let current = try RuntimeHost.current()
        #expect(["x86_64", "aarch64"].contains(current.architecture))
        #expect(current.memory.bytes > 64 << 20)
    }
}
