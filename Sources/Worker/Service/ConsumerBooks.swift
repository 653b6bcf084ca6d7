/// What the worker wants from its job consumers right now (WorkerState decides).
enum ConsumerPolicy: Sendable, Equatable {
    /// A slot is free and nothing is held: every queue keeps an idle consumer, so the broker can
    /// hand over a job from any queue, including another one from a queue whose jobs already run.
    case open
    /// Every slot is busy, or a delivery is held: the consumers stay as they are and none is added.
    /// An idle one may still get a delivery, which is held for the next free slot. None is cancelled:
    /// a quorum queue counts a delivery that races a cancel as a failed one (`x-delivery-count`), and
    /// cancelling idle consumers whenever the slots filled once made jobs of a burst `lost` that never
    /// ran. So a full worker holds at most one job per idle consumer, within the bound below.
    case full
    /// The worker drains or stops: no consumers, so no ack invites a delivery that could only be held.
    case closed
}

/// The bookkeeping behind the holding bound. Every job consumer has prefetch 1, so it holds at most
/// one unacknowledged delivery. A consumer is on the books from the moment the worker asks for it
/// until it is cancelled (or the broker ends it), its sequence has ended (so every delivery it got
/// was offered) and all of those are settled; a consumer off the books holds nothing. A consumer is
/// asked for only while the books hold fewer than `slots + queues - 1`, so the worker never has
/// more unacknowledged deliveries than that. A pure value, so the policy can be tested without a broker.
struct ConsumerBooks: Sendable {
    struct Entry: Sendable, Equatable {
        let queue: String
        /// Deliveries offered and not yet settled (running or held).
        var load = 0
        /// Asked to stop; it may still deliver until its sequence ends.
        var cancelled = false
        /// Its sequence ended: nothing more can arrive on it.
        var ended = false
        var live: Bool { !cancelled && !ended }
        var idle: Bool { live && load == 0 }
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

    init(slots: Int) { self.slots = slots }

    /// The most consumers (and so unacknowledged deliveries) a worker consuming `queues` queues has.
    func bound(queues: Int) -> Int { slots + queues - 1 }

    /// Decides the cancels and consumes that bring the consumers in line with `policy` for `queues`,
    /// and books them at once (so deliveries and settlements that interleave with the broker calls
    /// are counted against the same books).
    mutating func plan(queues: Set<String>, policy: ConsumerPolicy) -> Plan {
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
        var idle: [String: [String]] = [:]
        for (tag, entry) in entries.sorted(by: { $0.key < $1.key }) where entry.idle {
            idle[entry.queue, default: []].append(tag)
        }
        for queue in queues.sorted() where idle[queue, default: []].isEmpty {
            guard entries.count < bound(queues: queues.count) else {
                // Make room by stopping a spare idle consumer of a busier queue; this queue gets its
                // consumer once that one is off the books (its end asks for another reconcile).
                if let (spareQueue, tags) = idle.filter({ $0.value.count > 1 }).max(by: { $0.value.count < $1.value.count }),
                    let tag = tags.last
                {
                    idle[spareQueue]?.removeLast()
                    entries[tag]?.cancelled = true
                    plan.cancel.append(tag)
                }
                continue
            }
            made += 1
            let tag = "\(queue)#\(made)"
            entries[tag] = Entry(queue: queue)
            idle[queue] = [tag]
            plan.consume.append(Plan.Start(queue: queue, tag: tag))
        }
        return plan
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
        entries[tag] = entry.ended && entry.load == 0 ? nil : entry
    }

    mutating func ended(_ tag: String) {
        guard var entry = entries[tag] else { return }
        entry.ended = true
        entries[tag] = entry.load == 0 ? nil : entry
    }
}
