import Foundation
import TestSupport
import Testing
@testable import JobletCore
@testable import JobletPackages

/// The real runtimes built from this machine answer with only their own mounts and environment.
@Suite(.serialized, .integration(needs: [.root]))
struct RuntimeRecipeTests {
    /// Builds `id`, or skips the test when the recipe reports a missing host input.
    func built(_ id: String) throws -> String? {
        switch try RuntimeRecipeHarness.build(id) {
        case .built(let directory):
            return directory
        case .missingHostInput(let message):
            try Test.cancel("runtime \(id) skipped: \(message)")
        }
    }

    @Test func python311UsesItsOwnInterpreterAndStdlibReadOnly() throws {
        guard let directory = try built("python-3.11") else { return }
        let version = try RuntimeRecipeHarness.run(["python", "-c", "import sys;print(sys.version)"], runtime: directory)
        #expect(version.status == 0, "\(version.output)")
        #expect(version.output.hasPrefix("3.11."), "\(version.output)")

        let where_ = try RuntimeRecipeHarness.run(["python3", "-c", "import sys, os;print(sys.executable, sys.prefix, os.__file__)"], runtime: directory)
        #expect(
            where_.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == "/usr/local/bin/python3 /usr/local /usr/local/lib/python3.11/os.py", "\(where_.output)")

        let write = try RuntimeRecipeHarness.run(["/bin/sh", "-c", "touch /usr/local/lib/python3.11/x"], runtime: directory)
        #expect(write.status != 0)
        #expect(write.output.contains("Read-only file system"), "\(write.output)")

        try expectSelfTest(directory, contains: "3.11.")
    }

    /// python-3.11-ml downloads ~170 MB of wheels and packs to ~170 MB: only with JOBLET_TEST_ML=1.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["JOBLET_TEST_ML"] == "1", "set JOBLET_TEST_ML=1"))
    func python311MLImportsNumpyAndPandasFromTheRuntime() throws {
        guard let directory = try built("python-3.11-ml") else { return }
        let imported = try RuntimeRecipeHarness.run(
            ["python", "-c", "import numpy, pandas, scipy, sklearn, matplotlib, pyarrow, ssl, sqlite3"], runtime: directory)
        #expect(imported.status == 0, "\(imported.output)")
        let origin = try RuntimeRecipeHarness.run(["python", "-c", "import numpy,pandas;print(numpy.__file__);print(pandas.__file__)"], runtime: directory)
        #expect(
            origin.output.split(separator: "\n").allSatisfy { $0.hasPrefix("/usr/local/lib/python3.11/dist-packages/") },
            "\(origin.output)")
        let config = try RuntimeConfig.load(directory: directory).value
        #expect(config.tags == ["ml"])
        #expect(try RuntimeResolver.resolve("python:3.11+ml", in: [config.descriptor]).id == "python-3.11-ml")
        try expectSelfTest(directory, contains: "3.11.")
    }

    @Test func node18FromDebianPackagesAnswersItsVersionAndCarriesItsLibraries() throws {
        guard let directory = try built("node-18") else { return }
        let version = try RuntimeRecipeHarness.run(["node", "-e", "console.log(process.version, typeof fetch)"], runtime: directory)
        #expect(version.status == 0, "\(version.output)")
        #expect(version.output.hasPrefix("v18.20.") && version.output.contains("function"), "\(version.output)")
        // libnode, ICU and OpenSSL are the runtime's own, not the host's.
        let maps = try RuntimeRecipeHarness.run(["node", "-e", "console.log(require('fs').readFileSync('/proc/self/maps', 'utf8'))"], runtime: directory)
        for library in ["/opt/node/lib/", "libnode.so.108", "libicuuc.so.72", "libssl.so.3"] {
            #expect(maps.output.contains(library), "\(library) not mapped from the runtime")
        }
        #expect(!maps.output.contains("/usr/lib/x86_64-linux-gnu/libssl"), "the host's OpenSSL was loaded")
        try expectSelfTest(directory, contains: "v18.")
    }

    @Test func node20AnswersItsVersion() throws {
        guard let directory = try built("node-20") else { return }
        let version = try RuntimeRecipeHarness.run(["node", "-e", "console.log(process.version)"], runtime: directory)
        #expect(version.status == 0, "\(version.output)")
        #expect(version.output.hasPrefix("v20."), "\(version.output)")
        let npm = try RuntimeRecipeHarness.run(["npm", "--version"], runtime: directory)
        #expect(npm.status == 0, "\(npm.output)")
        try expectSelfTest(directory, contains: "v20.")
    }

    @Test func java17AnswersItsVersionWithoutTheHostJDK() throws {
        guard let directory = try built("java-17") else { return }
        let version = try RuntimeRecipeHarness.run(["java", "-version"], runtime: directory)
        #expect(version.status == 0, "\(version.output)")
        #expect(version.output.contains("version \"17."), "\(version.output)")
        let home = try RuntimeRecipeHarness.run(["/bin/sh", "-c", "echo $JAVA_HOME; command -v java"], runtime: directory)
        #expect(home.output == "/opt/jdk\n/opt/jdk/bin/java\n", "\(home.output)")
        // Self-contained: no symlink in the JDK leaves it (Debian links conf/ and cacerts into /etc).
        let links = try RuntimeScratch.run(["/usr/bin/find", directory + "/jdk", "-type", "l", "-lname", "/*"])
        #expect(links.output.isEmpty, "\(links.output)")
        try expectSelfTest(directory, contains: "version \"17.")
    }

    @Test func realRuntimePackInstallPackIsByteIdenticalAndRuns() throws {
        guard let directory = try built("python-3.11") else { return }
        let scratch = try RuntimeScratch.directory("real-roundtrip")
        defer { RuntimeScratch.remove(scratch) }
        let first = scratch + "/python-3.11.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: directory, to: first)
        let installed = try RuntimePackage.install(
            package: first, basePath: scratch + "/base",
            expectedSHA256: try RuntimePackage.sha256(file: first))
        #expect(installed.directory == scratch + "/base/python/python-3.11")
        let second = scratch + "/again.tar.gz"
        try RuntimePackage.pack(runtimeDirectory: installed.directory, to: second)
        #expect(try RuntimePackage.sha256(file: first) == RuntimePackage.sha256(file: second))

        let catalog = try RuntimeCatalog.scan(basePath: scratch + "/base")
        let entry = try catalog.resolve("python:3")
        #expect(entry.descriptor.id == "python-3.11")
        let version = try RuntimeRecipeHarness.run(["python", "-c", "import sys;print(sys.version)"], runtime: entry.directory)
        #expect(version.output.hasPrefix("3.11."), "\(version.output)")
    }

    @Test func buildAllPackagesInstall() throws {
        guard try built("node-20") != nil else { return }
        let cache = RuntimeRecipeHarness.cacheDirectory
        let result = try RuntimeScratch.run(["/bin/bash", RuntimeRecipeHarness.repositoryRoot + "/runtimes/build-all", cache, "node-20"])
        #expect(result.status == 0, "\(result.output)")
        let scratch = try RuntimeScratch.directory("build-all")
        defer { RuntimeScratch.remove(scratch) }
        let installed = try RuntimePackage.install(package: cache + "/packages/node-20.tar.gz", basePath: scratch)
        #expect(installed.directory == scratch + "/node/node-20")
        let version = try RuntimeRecipeHarness.run(["node", "-e", "console.log(process.version)"], runtime: installed.directory)
        #expect(version.output.hasPrefix("v20."), "\(version.output)")
    }

    /// The runtime.yml `test` command runs and prints the version.
    func expectSelfTest(_ directory: String, contains text: String) throws {
        let config = try RuntimeConfig.load(directory: directory).value
        let test = try #require(config.test)
        let result = try RuntimeRecipeHarness.run(test.argv, runtime: directory)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains(text), "\(result.output)")
    }
}
