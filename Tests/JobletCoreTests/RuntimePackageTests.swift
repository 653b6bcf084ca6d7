import Foundation
import TestSupport
import Testing
@testable import JobletCore
@testable import JobletPackages

@Suite struct RuntimePackageTests {
    /// A runtime directory `<scratch>/<top>/` ready to pack.
    func makeRuntime(in scratch: String, top: String = "node-20", name: String = "node-20", version: String = "20") throws -> String {
        let directory = scratch + "/" + top
        try RuntimeScratch.runtime(at: directory, name: name, version: version)
        return directory
    }

    /// Entries of `base` that are not runtimes: leftovers of a failed install.
    func leftovers(_ base: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: base).filter { $0.hasPrefix(".") }
    }

    @Test func installsATarGzWithTheRuntimeInATopLevelDirectory() throws {
        let scratch = try RuntimeScratch.directory("pkg")
        defer { RuntimeScratch.remove(scratch) }
        _ = try makeRuntime(in: scratch)
        let package = scratch + "/node-20.tar.gz"
        try RuntimeScratch.run(["/usr/bin/tar", "-C", scratch, "-czf", package, "node-20"])
        let base = scratch + "/base"

        let installed = try RuntimePackage.install(package: package, basePath: base)
        #expect(installed.directory == base + "/node/node-20")
        #expect(installed.config.name == "node-20")
        #expect(!installed.replaced)
        #expect(try String(contentsOfFile: base + "/node/node-20/bin/hello", encoding: .utf8) == "#!/bin/sh\necho node-20\n")
        #expect(try leftovers(base).isEmpty)

        let catalog = RuntimeCatalog.scan(basePath: base, host: RuntimeHost(architecture: "x86_64", memory: ByteSize(bytes: 1 << 30)))
        #expect(catalog.compatibleDescriptors.map(\.id) == ["node-20"])
    }

    @Test func installsAZipWithTheRuntimeAtTheRoot() throws {
        let scratch = try RuntimeScratch.directory("zip")
        defer { RuntimeScratch.remove(scratch) }
        let directory = try makeRuntime(in: scratch, top: "src", name: "python-3.11-ml", version: "3.11")
        let package = scratch + "/python.zip"
        let zipped = try RuntimeScratch.run(["/bin/sh", "-c", "cd '\(directory)' && /usr/bin/zip -qr '\(package)' ."])
        #expect(zipped.status == 0, "\(zipped.output)")

        let installed = try RuntimePackage.install(package: package, basePath: scratch + "/base")
        #expect(installed.directory == scratch + "/base/python/python-3.11-ml")
        #expect(installed.config.tags == ["ml"])
        #expect(FileManager.default.fileExists(atPath: installed.directory + "/bin/hello"))
    }

    @Test func sameVersionIsRefusedUnlessForcedAndANewVersionReplaces() throws {
        let scratch = try RuntimeScratch.directory("reinstall")
        defer { RuntimeScratch.remove(scratch) }
        let base = scratch + "/base"
        let v20 = scratch + "/v20.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: try makeRuntime(in: scratch), to: v20)
        try RuntimePackage.install(package: v20, basePath: base)

        #expect {
            try RuntimePackage.install(package: v20, basePath: base)
        } throws: { error in
            (error as? JobletError)?.message.contains("runtime node-20 version 20 is already installed at \(base)/node/node-20; use force") == true
        }
        #expect(try RuntimePackage.install(package: v20, basePath: base, force: true).replaced)

        let v21 = scratch + "/v21.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: try makeRuntime(in: scratch, top: "v21", version: "20.1"), to: v21)
        let upgraded = try RuntimePackage.install(package: v21, basePath: base)
        #expect(upgraded.replaced)
        #expect(try RuntimeConfig.load(directory: base + "/node/node-20").value.version == "20.1")
        #expect(try leftovers(base).isEmpty)
    }

    @Test func sha256IsChecked() throws {
        let scratch = try RuntimeScratch.directory("sha")
        defer { RuntimeScratch.remove(scratch) }
        let package = scratch + "/node.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: try makeRuntime(in: scratch), to: package)
        let expected = try RuntimeScratch.run(["/usr/bin/sha256sum", package]).output.prefix(64)
        #expect(try RuntimePackage.sha256(file: package) == String(expected))

        let wrong = String(repeating: "0", count: 64)
        #expect {
            try RuntimePackage.install(package: package, basePath: scratch + "/base", expectedSHA256: wrong)
        } throws: { error in
            (error as? JobletError)?.message.hasPrefix("invalid archive: \(package) has sha256 \(expected)") == true
        }
        #expect(!FileManager.default.fileExists(atPath: scratch + "/base/node"))
        #expect(
            try RuntimePackage.install(package: package, basePath: scratch + "/base", expectedSHA256: String(expected).uppercased())
                .directory == scratch + "/base/node/node-20")
    }

    @Test func garbageAndPackagesWithoutRuntimeYmlGiveTheDocumentedErrors() throws {
        let scratch = try RuntimeScratch.directory("bad")
        defer { RuntimeScratch.remove(scratch) }
        let base = scratch + "/base"
        let garbage = scratch + "/garbage.zip"
        try RuntimeScratch.write("this is not an archive\n", to: garbage)
        #expect {
            try RuntimePackage.install(package: garbage, basePath: base)
        } throws: { error in
            (error as? JobletError)?.message.hasPrefix("invalid archive: ") == true
        }

        try RuntimeScratch.write("hello\n", to: scratch + "/plain/readme.txt")
        let plain = scratch + "/plain.tar.gz"
        try RuntimeScratch.run(["/usr/bin/tar", "-C", scratch + "/plain", "-czf", plain, "."])
        #expect {
            try RuntimePackage.install(package: plain, basePath: base)
        } throws: { error in
            (error as? JobletError)?.message.hasPrefix("could not detect runtime name: ") == true
        }
        // A package whose runtime.yml is invalid is refused with the file's line:column.
        try RuntimeScratch.write("name: bad-1\nmounts:\n  - source: ../x\n    target: /opt/x\n", to: scratch + "/badyml/runtime.yml")
        let badYML = scratch + "/badyml.tar.gz"
        try RuntimeScratch.run(["/usr/bin/tar", "-C", scratch + "/badyml", "-czf", badYML, "."])
        #expect {
            try RuntimePackage.install(package: badYML, basePath: base)
        } throws: { error in
            guard let error = error as? JobletError else { return false }
            return error.code == .invalidRuntime && error.message.contains(": runtime.yml:3:13: mounts[0].source")
        }
        #expect(!FileManager.default.fileExists(atPath: base + "/bad"))

        let left = FileManager.default.fileExists(atPath: base) ? try leftovers(base) : []
        #expect(left.isEmpty)
    }

    /// Hostile packages crafted with Python's tarfile (GNU tar refuses to write some of them).
    @Test(arguments: [
        ("traversal", "f('runtime.yml', yml); f('../escaped', b'x')"),
        ("absolute", "f('runtime.yml', yml); f('/tmp/JOBLET_ABS/escaped', b'x')"),
        ("symlink-escape", "f('runtime.yml', yml); l('bin', '../../..' + out); f('bin/escaped', b'x')"),
        ("absolute-symlink", "f('runtime.yml', yml); l('bin', out); f('bin/escaped', b'x')"),
    ])
    func hostilePackagesAreRefusedLeavingNothingBehind(label: String, entries: String) throws {
        let scratch = try RuntimeScratch.directory("evil")
        defer { RuntimeScratch.remove(scratch) }
        let outside = scratch + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let base = scratch + "/base"
        let package = scratch + "/\(label).tar.gz"
        let script = """
            import io, tarfile, sys
            yml = b'name: evil-1\\nmounts:\\n  - source: bin\\n    target: /opt/evil\\n'
            out = sys.argv[2]
            t = tarfile.open(sys.argv[1], 'w:gz')
            def f(name, data):
                i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
            def l(name, target):
                i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
            \(entries.replacingOccurrences(of: "; ", with: "\n"))
            t.close()
            """
        let made = try RuntimeScratch.run(["/usr/bin/python3.11", "-c", script, package, outside])
        try #require(made.status == 0, "\(made.output)")

        #expect {
            try RuntimePackage.install(package: package, basePath: base)
        } throws: { error in
            guard let error = error as? JobletError else { return false }
            return error.code == .unsafeArchive && error.message.hasPrefix("invalid archive: ")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch + "/escaped"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/JOBLET_ABS"))
        let remaining = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        #expect(remaining.isEmpty, "left behind: \(remaining)")
    }

    @Test func packInstallPackIsByteIdentical() throws {
        let scratch = try RuntimeScratch.directory("roundtrip")
        defer { RuntimeScratch.remove(scratch) }
        let directory = try makeRuntime(in: scratch)
        try FileManager.default.createSymbolicLink(atPath: directory + "/bin/hi", withDestinationPath: "hello")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/bin/hello")
        let first = scratch + "/first.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: directory, to: first)
        let listed = try ArchiveExtractor.list(file: first)
        #expect(listed.contains { $0 == "runtime.yml" || $0 == "./runtime.yml" }, "\(listed)")

        let installed = try RuntimePackage.install(package: first, basePath: scratch + "/base")
        let second = scratch + "/second.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: installed.directory, to: second)
        #expect(FileManager.default.contents(atPath: first) == FileManager.default.contents(atPath: second))
    }

    @Test func packRefusesAnInvalidRuntime() throws {
        let scratch = try RuntimeScratch.directory("packbad")
        defer { RuntimeScratch.remove(scratch) }
        try RuntimeScratch.write("name: x-1\nmounts:\n  - source: missing\n    target: /opt/x\n", to: scratch + "/rt/runtime.yml")
        #expect(throws: JobletError.self) {
            try RuntimePackage.pack(runtimeDirectory: scratch + "/rt", to: scratch + "/out.tar.gz")
        }
    }

    @Test func removeTakesTheRuntimeAwayAndNamesWhatIsInstalledOtherwise() throws {
        let scratch = try RuntimeScratch.directory("remove")
        defer { RuntimeScratch.remove(scratch) }
        let base = scratch + "/base"
        let package = scratch + "/node.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: try makeRuntime(in: scratch), to: package)
        try RuntimePackage.install(package: package, basePath: base)

        #expect(throws: JobletError(.runtimeNotFound, "runtime java-17 is not installed in \(base); installed: node-20")) {
            try RuntimePackage.remove(name: "java-17", basePath: base)
        }
        #expect(try RuntimePackage.remove(name: "node-20", basePath: base) == base + "/node/node-20")
        #expect(!FileManager.default.fileExists(atPath: base + "/node/node-20"))
        #expect(try leftovers(base).isEmpty)
    }
}
