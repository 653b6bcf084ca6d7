import Foundation
import TestSupport
import Testing

extension JobUIDFixture {
    /// A worker with 2 slots and job uids `uidRange` over two fresh `runtimes`, and a probe, once it
    /// consumes both queues (expected); stopped, closed and removed when `body` returns or throws.
    static func withTwoSlotWorker<T>(
        isolation: isolated (any Actor)? = #isolation, uidRange: String,
        _ body: (BrokerProbe, WorkerProcess, _ runtimes: (base: String, ids: [String])) async throws -> T
    ) async throws -> T {
        let runtimes = try Self.runtimes(2)
        defer { try? FileManager.default.removeItem(atPath: runtimes.base) }
        return try await withWorker({ try await WorkerProcess(url: $0, slots: 2, runtimesPath: runtimes.base, extra: "job:\n  uid_range: \"\(uidRange)\"") }) {
            probe, worker in
            #expect(try await waitForQueues(runtimes.ids, of: worker, probe: probe))
            return try await body(probe, worker, runtimes)
        }
    }
}
