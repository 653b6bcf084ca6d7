/// What the worker wants from its job consumers right now (WorkerState decides).
enum ConsumerPolicy: Sendable, Equatable {
    /// A slot is free and nothing is held: every queue keeps an idle consumer, so the broker can
    /// hand over a job from any queue, including another one from a queue whose jobs already run.
    case open
    /// Every slot is busy, or a delivery is held: the consumers stay as they are and none is added.
    /// An idle one may still get a delivery, which is held for the next free slot. So a full worker
    /// holds at most one job per idle consumer, within the bound below.
    case full
    /// The worker drains or stops: no consumers, so no ack invites a delivery that could only be held.
    case closed
}

/// The bookkeeping behind the holding bound. Every job consumer has prefetch 1, so it holds at most
/// one unacknowledged delivery. A consumer is on the books from the moment the worker asks for it
/// until it is cancelled (or the broker ends it), its sequence has ended (so every delivery it got
/// was offered) and all of those are settled; a consumer off the books holds nothing. A consumer is
/// asked for only while the books hold fewer than `slots + queues - 1`, so the worker never has
/// more unacknowledged deliveries than that.
///
/// An idle consumer is never cancelled while the worker runs: a quorum queue returns a delivery that
/// races a cancel, counting it as a failed one (`x-delivery-count`), so a job could run as a second
/// attempt or end `lost` without ever running. Instead each queue keeps at most one idle consumer: a
/// consumer whose job ends while its queue has another idle one is cancelled *before* that job is
/// settled (`settling`), when its prefetch of 1 is still used up and nothing can be on the way to it.
/// So consumers of a finished burst never crowd out another queue's. A worker of one queue keeps its
/// spare idle consumers (nothing can want their room), so a steady trickle of jobs costs no
/// consume/cancel churn. A pure value, so the policy can be tested without a broker.
struct ConsumerBooks: Sendable {
    struct Entry: Sendable, Equatable {
        let queue: String
        /// Deliveries offered and not yet settled (running or held).
        var load = 0
        /// Asked to stop; it may still deliver until its sequence ends.
        var cancelled = false
        /// Its sequence ended: nothing more can arrive on it.
        var ended = false
        /// Its delivery is being settled and it stays: it counts as its queue's idle consumer already.
        var returning = false
        var live: Bool { !cancelled && !ended }
        var idle: Bool { live && (load == 0 || returning) }
    }

    /// What a reconcile must do on the channel: cancel these consumers, then start these.
    struct Plan: Sendable, Equatable {
        var cancel: [String] = []
        var consume: [Start] = []
        struct Start: Sendable, Equatable { let queue: String; let tag: String }
    }

    let slots: Int
    /// By consumer tag.
    private(set) var entries: [String: Entry] = [:]
    private var made = 0
    /// What the latest plan was for: a settling consumer is kept only where the worker still wants it.
    private var queues: Set<String> = []
    private var policy = ConsumerPolicy.closed

    init(slots: Int) { self.slots = slots }

    /// The most consumers (and so unacknowledged deliveries) a worker consuming `queues` queues has.
    func bound(queues: Int) -> Int { slots + queues - 1 }

    /// Decides the cancels and consumes that bring the consumers in line with `policy` for `queues`,
    /// and books them at once (so deliveries and settlements that interleave with the broker calls
    /// are counted against the same books).
    mutating func plan(queues: Set<String>, policy: ConsumerPolicy) -> Plan {
        self.queues = queues
        self.policy = policy
        var plan = Plan()
        for (tag, entry) in entries.sorted(by: { $0.key < $1.key }) where entry.live {
            let keep =
                switch policy {
                case .open, .full: queues.contains(entry.queue)
                case .closed: false
                }
            if !keep {
                entries[tag]?.cancelled = true
                plan.cancel.append(tag)
            }
        }
        guard policy == .open else { return plan }
        let idleQueues = Set(entries.values.filter(\.idle).map(\.queue))
        // At the bound no queue lacks an idle consumer (see `settling`) unless deliveries of cancelled
        // consumers are still unsettled; their ends ask for another reconcile.
        for queue in queues.sorted() where !idleQueues.contains(queue) && entries.count < bound(queues: queues.count) {
            made += 1
            let tag = "\(queue)#\(made)"
            entries[tag] = Entry(queue: queue)
            plan.consume.append(Plan.Start(queue: queue, tag: tag))
        }
        return plan
    }

    /// The delivery of consumer `tag` is about to be settled. Returns true if the consumer must be
    /// cancelled first (and books it cancelled): the worker stops consuming, or the worker has other
    /// queues and this one already has an idle consumer. Until the settle its prefetch is used up, so
    /// the cancel races no delivery. Otherwise it stays, as its queue's idle consumer from now on.
    mutating func settling(_ tag: String) -> Bool {
        guard var entry = entries[tag], entry.live, entry.load > 0 else { return false }
        let spare =
            queues.count > 1 && entries.contains { $0.key != tag && $0.value.queue == entry.queue && $0.value.idle }
        if policy == .closed || !queues.contains(entry.queue) || spare {
            entry.cancelled = true
        } else {
            entry.returning = true
        }
        entries[tag] = entry
        return entry.cancelled
    }

    /// The broker refused the cancel (e.g. while reconnecting): the consumer is live again, and the
    /// next reconcile tries once more.
    mutating func cancelFailed(_ tag: String) {
        if entries[tag]?.ended == false { entries[tag]?.cancelled = false }
    }

    /// The consumer never started, so it holds nothing.
    mutating func consumeFailed(_ tag: String) { entries[tag] = nil }

    mutating func delivered(_ tag: String) { entries[tag]?.load += 1 }

    mutating func settled(_ tag: String) {
        guard var entry = entries[tag] else { return }
        entry.load = max(0, entry.load - 1)
        entry.returning = false
        entries[tag] = entry.ended && entry.load == 0 ? nil : entry
    }

    mutating func ended(_ tag: String) {
        guard var entry = entries[tag] else { return }
        entry.ended = true
        entries[tag] = entry.load == 0 ? nil : entry
    }
}
