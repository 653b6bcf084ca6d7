import Dispatcher
import Foundation
import JobletCore
import TestSupport
import Testing

/// The desired runtimes in the store and the orders the dispatcher sends to converge on them:
/// pure logic over a real store, no broker.
struct RuntimeRolloutTests {
    func order(_ runtime: String = "node-18", version: String = "18") -> RuntimeDeployOrder {
        RuntimeDeployOrder(
            deployID: JobID.generate(), runtime: runtime, version: version,
            sha256: String(repeating: "a", count: 64), size: 1 << 20, chunkSize: 1 << 20, deployer: "admin")
    }

    func advert(_ id: String, arch: String = "x86_64", runtimes: [(String, String)] = []) -> WorkerAdvert {
        WorkerAdvert(
            workerID: id, hostname: id, arch: arch, kernel: "6.1", cgroupMode: "v2", status: .online,
            runtimes: runtimes.map { RuntimeDescriptor(id: $0.0, language: "node", version: $0.1) },
            queues: [], slotsTotal: 1, slotsFree: 1, memoryTotal: 1 << 30, memoryAvailable: 1 << 30, load1: 0,
            version: "test", time: 0, interval: 5, runningJobs: [], metrics: WorkerMetrics())
    }

    func store() throws -> JobStore {
        try JobStore(directory: ScratchPath.make("rollout-test"))
    }

    @Test func aDeployIsDesiredOnlyOnceCommittedAndTheSupersededStreamGoes() async throws {
        let store = try store()
        let first = order(version: "18.19")
        #expect(try await !store.setDesired(runtime: "node-18", order: first, groups: ["arch:x86_64"], at: 1), "never announced")
        try await store.announceDeployStream(first.deployID, at: 1)
        #expect(try await store.unusedDeployStreams(staleBefore: 0).isEmpty, "uncommitted and young: kept")
        #expect(try await store.unusedDeployStreams(staleBefore: 2) == [first.deployID], "uncommitted and old: deleted")
        #expect(try await store.setDesired(runtime: "node-18", order: first, groups: ["arch:x86_64"], at: 3))
        #expect(try await store.unusedDeployStreams(staleBefore: 10).isEmpty, "committed and desired: kept")

        let second = order(version: "18.20")
        try await store.announceDeployStream(second.deployID, at: 4)
        #expect(try await store.setDesired(runtime: "node-18", order: second, groups: ["arch:x86_64"], at: 5))
        #expect(try await store.unusedDeployStreams(staleBefore: 0) == [first.deployID], "the older version is superseded")
        try await store.forgetDeployStream(first.deployID)
        #expect(try await store.desiredRuntimes().map(\.order) == [second])

        // A removal for all replaces every group's record; no stream is needed any more.
        #expect(try await store.setDesired(runtime: "node-18", order: nil, groups: ["all"], at: 6))
        #expect(try await store.desiredRuntimes().map(\.group) == ["all"])
        #expect(try await store.unusedDeployStreams(staleBefore: 0) == [second.deployID])
    }

    @Test func theLatestEntryAmongAWorkersGroupsDecides() async throws {
        let store = try store()
        let deploy = order()
        try await store.announceDeployStream(deploy.deployID, at: 1)
        _ = try await store.setDesired(runtime: "node-18", order: deploy, groups: ["arch:x86_64"], at: 1)
        _ = try await store.setDesired(runtime: "node-18", order: nil, groups: ["worker:b"], at: 2)
        let desired = try await store.desiredRuntimes()
        #expect(RuntimeRollouts.resolve(desired, workerID: "a", arch: "amd64") == ["node-18": .deploy(deploy)])
        #expect(RuntimeRollouts.resolve(desired, workerID: "b", arch: "x86_64") == ["node-18": .remove("node-18")])
        #expect(RuntimeRollouts.resolve(desired, workerID: "c", arch: "aarch64").isEmpty)
    }

    @Test func oneOrderAtATimeAndFailuresWaitForTheirRetry() async throws {
        let store = try store()
        let deploy = order()
        try await store.announceDeployStream(deploy.deployID, at: 1)
        _ = try await store.setDesired(runtime: "node-18", order: deploy, groups: ["all"], at: 1)
        let desired = try await store.desiredRuntimes()
        let rollouts = RuntimeRollouts()
        let lacking = advert("b")

        let first = rollouts.plan(desired: desired, adverts: [lacking, advert("a", runtimes: [("node-18", "18")])], now: 100)
        #expect(first.map(\.worker) == ["b"], "only the worker that lacks it")
        rollouts.sent(.deploy(deploy), runtime: "node-18", to: "b", now: 100)
        #expect(rollouts.plan(desired: desired, adverts: [lacking], now: 110).isEmpty, "pending: not sent again")

        rollouts.reported(
            RuntimeDeployReport(
                workerID: "b", deployID: deploy.deployID, runtime: "node-18", state: .failed,
                message: "sha256 mismatch", durationSeconds: 1), now: 120)
        let failed = rollouts.status(desired: desired, adverts: [lacking])
        #expect(failed.first?.state == .failed && failed.first?.message == "sha256 mismatch", "\(failed)")
        #expect(rollouts.plan(desired: desired, adverts: [lacking], now: 125).isEmpty, "backing off")
        #expect(rollouts.plan(desired: desired, adverts: [lacking], now: 120 + 16).map(\.worker) == ["b"], "retried later")
        rollouts.sent(.deploy(deploy), runtime: "node-18", to: "b", now: 136)
        rollouts.reported(
            RuntimeDeployReport(
                workerID: "b", deployID: deploy.deployID, runtime: "node-18", state: .failed,
                message: "again", durationSeconds: 1), now: 140)
        #expect(rollouts.plan(desired: desired, adverts: [lacking], now: 140 + 16).isEmpty, "the pause doubles")
        #expect(rollouts.status(desired: desired, adverts: [lacking]).first?.attempts == 2)

        let installed = advert("b", runtimes: [("node-18", "18")])
        #expect(rollouts.plan(desired: desired, adverts: [installed], now: 200).isEmpty)
        #expect(rollouts.status(desired: desired, adverts: [installed]).first?.state == .installed)
    }

    @Test func anOrderWithoutAResultTimesOut() async throws {
        let store = try store()
        _ = try await store.setDesired(runtime: "node-18", order: nil, groups: ["all"], at: 1)
        let desired = try await store.desiredRuntimes()
        let rollouts = RuntimeRollouts()
        let holding = advert("b", runtimes: [("node-18", "18")])
        #expect(rollouts.plan(desired: desired, adverts: [holding], now: 0).first?.target == .remove("node-18"))
        rollouts.sent(.remove("node-18"), runtime: "node-18", to: "b", now: 0)
        #expect(rollouts.plan(desired: desired, adverts: [holding], now: 60).isEmpty)
        #expect(rollouts.plan(desired: desired, adverts: [holding], now: 121).isEmpty, "timed out: backing off first")
        let status = rollouts.status(desired: desired, adverts: [holding]).first
        #expect(status?.state == .failed && status?.message?.contains("no result") == true, "\(String(describing: status))")
        #expect(rollouts.plan(desired: desired, adverts: [holding], now: 121 + 16).count == 1)
    }

    @Test func aDoneOrderDoesNotHoldBackTheNextDesiredState() async throws {
        let store = try store()
        let deploy = order()
        let rollouts = RuntimeRollouts()
        // Installed while the worker was about to go away; removed while it was down.
        rollouts.sent(.deploy(deploy), runtime: "node-18", to: "b", now: 0)
        _ = try await store.setDesired(runtime: "node-18", order: nil, groups: ["all"], at: 1)
        let back = advert("b", runtimes: [("node-18", "18")])
        #expect(rollouts.plan(desired: try await store.desiredRuntimes(), adverts: [back], now: 5).first?.target == .remove("node-18"))
    }

    @Test func aWorkerGoneFromTheRegistryIsPlannedAfreshWhenItReturns() async throws {
        let store = try store()
        _ = try await store.setDesired(runtime: "node-18", order: nil, groups: ["all"], at: 1)
        let desired = try await store.desiredRuntimes()
        let rollouts = RuntimeRollouts()
        let holding = advert("b", runtimes: [("node-18", "18")])
        rollouts.sent(.remove("node-18"), runtime: "node-18", to: "b", now: 0)
        #expect(rollouts.plan(desired: desired, adverts: [holding], now: 1).isEmpty, "pending")
        #expect(rollouts.plan(desired: desired, adverts: [], now: 2).isEmpty, "gone: its attempt is forgotten")
        #expect(rollouts.plan(desired: desired, adverts: [holding], now: 3).count == 1, "back: ordered again")
    }
}
