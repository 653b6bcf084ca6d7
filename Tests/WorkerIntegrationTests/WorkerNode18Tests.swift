import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension WorkerSuites {
    /// node-18 is built from Debian packages (runtimes/node-18, runtimes/lib/debian.sh) and carries its
    /// libraries; these jobs prove it runs in the sandbox, where only the host base and the runtime exist.
    @Suite("node-18 from Debian packages")
    struct WorkerNode18Tests {
        static let node = "node-18"

        @Test("a node-18 job prints v18.x, and the builtins Debian loads from files (fetch, acorn) work")
        func nodeVersionInAJob() async throws {
            guard let base = try RuntimeFixture.base(with: [Self.node]) else { return }
            defer { try? FileManager.default.removeItem(atPath: base) }
            try await withWorker({ try await WorkerProcess(url: $0, runtimesPath: base) }) { probe, worker in
                let queue = Topology.jobQueue(runtimeID: Self.node, arch: Architecture.host)
                let advert = try await probe.advert(of: worker.id) { $0.queues.contains(queue) }
                try #require(advert != nil, "the worker never advertised \(queue); log:\n\(worker.log.suffix(4000))")

                let version = try await run(["node", "-v"], probe: probe, worker: worker)
                #expect(version.hasPrefix("v18."), "node -v printed: \(version)")
                // fetch is undici and acorn a Debian package: both are read from /opt/node/nodejs at run time.
                let builtins = try await run(
                    ["node", "-e", "console.log(typeof fetch, require('acorn').version)"],
                    probe: probe, worker: worker)
                #expect(builtins.hasPrefix("function 8."), "got: \(builtins)")
            }
        }

        private func run(_ command: [String], probe: BrokerProbe, worker: WorkerProcess) async throws -> String {
            let id = try await probe.submit(command, runtimeID: Self.node)
            let events = try await probe.jobEvents(for: [id], timeout: .seconds(90))
            let final = try #require(
                events.first { $0.state.isTerminal },
                "no terminal event for \(id); worker log:\n\(worker.log.suffix(4000))")
            let output = try await probe.output(of: id, chunks: final.result?.logChunks ?? 0)
            #expect(final.state == .completed, "\(command): \(final.state), output: \(output)")
            return output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
