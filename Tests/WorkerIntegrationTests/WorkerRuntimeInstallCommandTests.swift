import Foundation
import TestSupport
import JobletCore
import Testing

extension WorkerSuites {
    /// `joblet-worker runtime install|remove`: the local install on a host, the binary as shipped.
    @Suite("joblet-worker runtime install and remove")
    struct WorkerRuntimeInstallCommandTests {
        func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try CombinedOutput.run([WorkerProcess.repoRoot + "/.build/debug/joblet-worker"] + arguments)
        }

        @Test func installReplaceAndRemove() throws {
            let directory = NSTemporaryDirectory() + "joblet-install-cmd-" + JobID.generate().prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let v1 = try DeployFixture.package(name: "localtest", version: "1.0", in: directory)
            let v2 = try DeployFixture.package(name: "localtest", version: "2.0", in: directory)
            let base = directory + "/runtimes"

            let first = try run(["runtime", "install", v1, "--runtimes", base])
            #expect(first.status == 0 && first.output.contains("installed localtest 1.0 in \(base)/deploytest/localtest"), "\(first)")
            let same = try run(["runtime", "install", v1, "--runtimes", base])
            #expect(same.status == 1 && same.output.contains("already installed"), "\(same)")
            let wrong = try run(["runtime", "install", v2, "--runtimes", base, "--sha256", String(repeating: "a", count: 64)])
            #expect(wrong.status == 1 && wrong.output.contains("sha256"), "\(wrong)")
            let second = try run(["runtime", "install", v2, "--runtimes", base])
            #expect(second.status == 0 && second.output.contains("replaced localtest 2.0"), "\(second)")
            let listed = try run(["runtime", "list", "--runtimes", base])
            #expect(listed.output.contains("localtest\t2.0\t\(base)/deploytest/localtest"), "\(listed)")
            let removed = try run(["runtime", "remove", "localtest", "--runtimes", base])
            #expect(removed.status == 0, "\(removed)")
            #expect(try RuntimeCatalog.scan(basePath: base).entries.isEmpty)
            let again = try run(["runtime", "remove", "localtest", "--runtimes", base])
            #expect(again.status == 1 && again.output.contains("not installed"), "\(again)")
        }
    }
}
