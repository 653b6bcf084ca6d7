import Dispatcher
import Testing

/// Which worker reports the dispatcher passes on to a caller, and how many requests it keeps open:
/// pure logic, no broker (the broker side is in DispatcherIntegrationTests' ReportRelayTests).
struct ReportRelaysTests {
    @Test func onlyTheWorkersAskedReachTheCallerUntilEachSentItsFinalReport() throws {
        let relays = ReportRelays()
        let id = try relays.open(caller: "alice", replyTo: "amq.gen-a", correlationID: "c1", workers: ["w1", "w2"], now: 0)
        #expect(relays.route(id, from: "w3", final: true, now: 1) == nil, "a worker that was not asked")
        // Another id: its first character changed (setting it to "0" kept the id whenever it was 0 already).
        let another = (id.hasPrefix("0") ? "1" : "0") + id.dropFirst()
        #expect(relays.route(another, from: "w1", final: true, now: 1) == nil, "another relay id")
        let progress = try #require(relays.route(id, from: "w1", final: false, now: 1))
        #expect(progress.replyTo == "amq.gen-a" && progress.correlationID == "c1" && progress.caller == "alice")
        #expect(relays.route(id, from: "w1", final: true, now: 2) != nil)
        #expect(relays.route(id, from: "w1", final: true, now: 3) == nil, "w1 already sent its final report")
        #expect(relays.count == 1)
        #expect(relays.route(id, from: "w2", final: true, now: 4) != nil)
        #expect(relays.count == 0, "every worker asked has reported")
        #expect(relays.route(id, from: "w2", final: true, now: 5) == nil)
    }

    @Test func oneCallerKeepsAtMostItsShareOpenAndIdleRelaysExpire() throws {
        let relays = ReportRelays()
        var ids: [String] = []
        for _ in 0..<ReportRelays.perCaller {
            ids.append(try relays.open(caller: "mallory", replyTo: "amq.gen-m", correlationID: nil, workers: ["w1"], now: 0))
        }
        let refusal = #expect(throws: DispatcherError.self) {
            try relays.open(caller: "mallory", replyTo: "amq.gen-m", correlationID: nil, workers: ["w1"], now: 1)
        }
        #expect(refusal?.code == .quotaExceeded, "\(String(describing: refusal))")
        #expect(refusal?.message.contains("wait for them") == true)
        // Somebody else is not held up by mallory.
        _ = try relays.open(caller: "alice", replyTo: "amq.gen-a", correlationID: nil, workers: ["w1"], now: 2)
        // A report frees one place; so does the idle lifetime for all of them.
        #expect(relays.route(ids[0], from: "w1", final: true, now: 2) != nil)
        _ = try relays.open(caller: "mallory", replyTo: "amq.gen-m", correlationID: nil, workers: ["w1"], now: 2)
        #expect(relays.route(ids[1], from: "w1", final: true, now: ReportRelays.idleLifetime + 1) == nil, "expired")
        _ = try relays.open(caller: "mallory", replyTo: "amq.gen-m", correlationID: nil, workers: ["w1"], now: ReportRelays.idleLifetime + 1)
        #expect(relays.count == 3, "alice's and mallory's from 2, and the new one; those from 0 expired")
    }

    @Test func aCommandNeverSentLeavesNoRelay() throws {
        let relays = ReportRelays()
        let id = try relays.open(caller: "alice", replyTo: "amq.gen-a", correlationID: nil, workers: ["w1"], now: 0)
        relays.cancel(id)
        #expect(relays.count == 0)
        #expect(relays.route(id, from: "w1", final: true, now: 1) == nil)
    }
}
