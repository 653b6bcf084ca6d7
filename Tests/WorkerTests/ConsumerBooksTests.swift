import TestSupport
import Testing
@testable import Worker

/// The consumer policy against a model of the broker (prefetch 1 per consumer, deliveries that race
/// cancels, broker calls that interleave with deliveries and job ends), driven by seeded random
/// schedules: the bound holds after every step, and the worker fills its slots from any mix of queues.
@Suite("consumer books: the holding bound")
struct ConsumerBooksTests {
    @Test("slots + queues - 1 is never exceeded, whatever interleaving", arguments: [(1, 1), (1, 3), (3, 1), (3, 2), (4, 3), (8, 5)])
    func boundHolds(slots: Int, queueCount: Int) {
        for seed in 0..<200 {
            var model = BrokerModel(slots: slots, queues: queueCount, messagesPerQueue: 3 * slots, seed: UInt64(seed))
            model.runToEnd()
            #expect(model.peakUnacked <= slots + queueCount - 1, "seed \(seed): \(model.peakUnacked) unacked")
            #expect(model.finished == queueCount * 3 * slots, "seed \(seed): stalled with \(model.finished) done")
            if !model.violations.isEmpty { Issue.record("seed \(seed): \(model.violations.first ?? "")") }
        }
    }

    @Test("no cancel can race a delivery while jobs wait, however slots fill and free", arguments: [(1, 1), (4, 1), (2, 2), (4, 3), (8, 5)])
    func noCancelRacesAQueuedJob(slots: Int, queueCount: Int) {
        for seed in 0..<100 {
            var model = BrokerModel(slots: slots, queues: queueCount, messagesPerQueue: 10 * slots, seed: UInt64(seed))
            model.runToEnd()
            #expect(model.finished == queueCount * 10 * slots, "seed \(seed)")
            #expect(model.cancelsRacingMessages == 0, "seed \(seed)")
        }
    }

    @Test("one queue with work fills every slot", arguments: [1, 2, 3, 4, 8])
    func oneQueueFillsAllSlots(slots: Int) {
        for seed in 0..<50 {
            // Jobs never end on their own: the worker must start `slots` of them from the one busy queue.
            var model = BrokerModel(slots: slots, queues: 3, messagesPerQueue: 0, seed: UInt64(seed))
            model.ready[0] = 2 * slots
            model.jobsEnd = false
            model.runToEnd()
            #expect(model.running == slots, "seed \(seed)")
            #expect(model.peakUnacked <= slots + 2)
        }
    }

    @Test("a full worker cancels no consumer, so a finished job's consumer takes the next one without a new consume")
    func fullWorkerKeepsRunningConsumers() {
        var books = ConsumerBooks(slots: 2)
        let queues: Set<String> = ["a", "b"]
        let first = books.plan(queues: queues, policy: .open)
        #expect(first.consume.map(\.queue) == ["a", "b"])
        let a1 = first.consume[0].tag
        books.delivered(a1)
        // Slot 1 of 2 taken from a: a gets another idle consumer (b still has its own).
        let second = books.plan(queues: queues, policy: .open)
        #expect(second.cancel.isEmpty && second.consume.map(\.queue) == ["a"])
        books.delivered(second.consume[0].tag)
        // Full: nothing is cancelled (a cancel racing a delivery counts as a failed delivery in a
        // quorum queue) and nothing is added; b's idle consumer may still bring a job to hold.
        let full = books.plan(queues: queues, policy: .full)
        #expect(full.cancel.isEmpty && full.consume.isEmpty)
        // a1's job ends: a slot is free, a1 is a's idle consumer again, b still has its own.
        books.settled(a1)
        let reopened = books.plan(queues: queues, policy: .open)
        #expect(reopened.cancel.isEmpty && reopened.consume.isEmpty)
        #expect(books.entries.count == 3)
        // Draining: every consumer goes.
        #expect(books.plan(queues: queues, policy: .closed).cancel.count == 3)
    }
}

/// A broker and a worker in one deterministic state machine. The worker side mirrors WorkerService:
/// deliveries are booked then offered (start or hold), a finished job settles before its slot frees,
/// and one reconcile loop plans from WorkerState's policy and then makes its broker calls one by one.
struct BrokerModel {
    let slots: Int
    let queues: [String]
    var ready: [Int]
    var jobsEnd = true
    var books: ConsumerBooks
    var rng: SplitMix

    struct Consumer { let queue: Int; var registered = true; var unacked = 0; var buffer: [Int] = []; var endSeen = false }
    var consumers: [String: Consumer] = [:]
    /// Running deliveries (consumer tags), acked ones whose slot is not free yet, and held ones.
    var runningTags: [String] = []
    var settling: [String] = []
    var held: [String] = []
    var pendingCalls: [Call] = []
    var reconcileWanted = true
    enum Call { case cancel(String), consume(String, Int) }

    var peakUnacked = 0
    /// Cancels of a consumer with room (prefetch not used up) while its queue had messages: each may
    /// race a delivery, which a quorum queue then returns, counting it as failed (`x-delivery-count`).
    var cancelsRacingMessages = 0
    var finished = 0
    var violations: [String] = []
    var running: Int { runningTags.count + settling.count }

    init(slots: Int, queues: Int, messagesPerQueue: Int, seed: UInt64) {
        self.slots = slots
        self.queues = (0..<queues).map { "q\($0)" }
        ready = Array(repeating: messagesPerQueue, count: queues)
        books = ConsumerBooks(slots: slots)
        rng = SplitMix(seed: seed)
    }

    var policy: ConsumerPolicy { held.isEmpty && running < slots ? .open : .full }
    var unacked: Int { consumers.values.reduce(0) { $0 + $1.unacked } }

    mutating func runToEnd() {
        for _ in 0..<100_000 {
            guard step() else { return }
            check()
        }
        violations.append("no quiescence after 100000 steps")
    }

    enum Action { case deliver(String), receive(String), end(String), jobEnds(Int), settle, call, plan }

    /// Takes one enabled action at random; false when nothing can happen any more.
    mutating func step() -> Bool {
        var actions: [Action] = []
        for (tag, c) in consumers.sorted(by: { $0.key < $1.key }) {
            // The broker pushes to a registered consumer with room (prefetch 1) on a queue with messages.
            if c.registered && c.unacked == 0 && ready[c.queue] > 0 { actions.append(.deliver(tag)) }
            if !c.buffer.isEmpty { actions.append(.receive(tag)) }
            // After the cancel-ok and everything delivered before it, the sequence ends.
            if !c.registered && c.buffer.isEmpty && !c.endSeen { actions.append(.end(tag)) }
        }
        if jobsEnd { actions += runningTags.indices.map { .jobEnds($0) } }
        if !settling.isEmpty { actions.append(.settle) }
        if !pendingCalls.isEmpty {
            actions.append(.call)
        } else if reconcileWanted {
            actions.append(.plan)
        }
        guard !actions.isEmpty else { return false }
        switch actions[Int(rng.next() % UInt64(actions.count))] {
        case .deliver(let tag): brokerDelivers(tag)
        case .receive(let tag): workerReceives(tag)
        case .end(let tag):
            consumers[tag]?.endSeen = true
            books.ended(tag)
            reconcileWanted = true
        case .jobEnds(let index): jobEnds(index)
        case .settle: settle()
        case .call: brokerCall()
        case .plan:
            reconcileWanted = false
            plan()
        }
        return true
    }

    mutating func plan() {
        let plan = books.plan(queues: Set(queues), policy: policy)
        pendingCalls += plan.cancel.map { Call.cancel($0) }
        pendingCalls += plan.consume.map { Call.consume($0.tag, queues.firstIndex(of: $0.queue) ?? 0) }
    }

    mutating func brokerCall() {
        switch pendingCalls.removeFirst() {
        case .cancel(let tag): cancel(tag)
        case .consume(let tag, let queue): consumers[tag] = Consumer(queue: queue)
        }
    }

    mutating func cancel(_ tag: String) {
        if let c = consumers[tag], c.registered, c.unacked == 0, ready[c.queue] > 0 { cancelsRacingMessages += 1 }
        consumers[tag]?.registered = false
    }

    mutating func brokerDelivers(_ tag: String) {
        guard var c = consumers[tag] else { return }
        ready[c.queue] -= 1
        c.unacked += 1
        c.buffer.append(c.queue)
        consumers[tag] = c
    }

    mutating func workerReceives(_ tag: String) {
        consumers[tag]?.buffer.removeFirst()
        books.delivered(tag)
        if running < slots { runningTags.append(tag) } else { held.append(tag) }
        reconcileWanted = true
    }

    /// The result is confirmed and the delivery acked: the broker may push to that consumer again
    /// before the worker has settled it on the books and freed the slot.
    mutating func jobEnds(_ index: Int) {
        let tag = runningTags.remove(at: index)
        // The runner asks before it acks; a cancel it makes is done (cancel-ok) before the ack.
        if books.settling(tag) { cancel(tag) }
        consumers[tag]?.unacked -= 1
        finished += 1
        settling.append(tag)
    }

    mutating func settle() {
        let tag = settling.removeFirst()
        books.settled(tag)
        if !held.isEmpty { runningTags.append(held.removeFirst()) }
        reconcileWanted = true
    }

    mutating func check() {
        let bound = slots + queues.count - 1
        peakUnacked = max(peakUnacked, unacked)
        if unacked > bound { violations.append("\(unacked) unacked > \(bound)") }
        // Every consumer that can still hold or receive a delivery is on the books.
        for (tag, c) in consumers where (c.registered || c.unacked > 0) && books.entries[tag] == nil {
            violations.append("consumer \(tag) holds or may receive a delivery but is off the books")
        }
        if running > slots { violations.append("\(running) running > \(slots) slots") }
    }
}
