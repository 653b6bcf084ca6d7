#if canImport(Glibc)
import Glibc
#endif
import AMQP
import AsyncAlgorithms
import JobletCore
import JobletMessaging
import UnixSignals

/// How following a job ended.
struct FollowOutcome: Sendable {
    var state: JobState
    var result: JobResult?
    var reason: String?
    /// The user detached (Ctrl-C) while the job goes on.
    var detached = false
}

/// Follows one job: its log chunks (live merged with history by sequence number, no gap and no
/// duplicate) and its lifecycle events, until the terminal event and every chunk it announced.
///
/// Live first, history second: the private queue (`FollowSubscription`) is bound BEFORE the history
/// is asked for. For `rnx run` it was bound before the submission, so every chunk arrives live. A
/// follower that attaches later (`rnx logs -f`) may miss chunks published before its bind that were
/// still on their way into the dispatcher's store when it read the history: a later live chunk
/// reveals the gap, and until one arrives the history is read again on a backoff (a job that printed
/// once and then waits would otherwise never show its output).
final class JobFollower {
    enum Input: Sendable {
        case delivery(Delivery)
        case tick
        case interrupt
        case consumerEnded(String?)
    }

    let client: ClusterClient
    let jobID: String
    /// Who submitted the job: it leads the routing keys to bind (topic permissions let users bind
    /// only their own jobs). Every caller knows it already.
    let submitter: String
    /// Write log chunks (false: only wait for the end, as `submit --wait`).
    let printLogs: Bool
    /// Chunks as JSON lines instead of raw bytes.
    let json: Bool
    /// Ctrl-C on a TTY asks whether to cancel the job (`run`) instead of only detaching (`logs -f`).
    let offerCancel: Bool
    let showProgress: Bool

    /// Opened by the caller before the submission (`rnx run`), else by `run()` for the job.
    private var subscription: FollowSubscription?
    private var unacked: Delivery?
    private var unackedCount = 0
    private var next: UInt64
    private var pending: [UInt64: LogChunk] = [:]
    private var terminal: FollowOutcome?
    private var terminalHistoryFetched = false
    private var started = false
    private var progressShown = false
    private var ticks = 0
    private var ticksSinceProgress = 0
    /// A chunk arrived live: from then on a gap shows as pending chunks.
    private var liveChunkSeen = false
    private var cancelRequested = false
    /// A live event said the job ended. Events on the topic come from whoever may publish there, so
    /// the end is taken from the dispatcher's record (which believes only the job's worker).
    private var endAnnounced = false

    init(client: ClusterClient, jobID: String, submitter: String, subscription: FollowSubscription? = nil,
         sinceSeq: UInt64 = 0, printLogs: Bool = true, json: Bool = false, offerCancel: Bool = false) {
        self.client = client
        self.subscription = subscription
        self.jobID = jobID
        self.submitter = submitter
        self.next = sinceSeq
        self.printLogs = printLogs
        self.json = json
        self.offerCancel = offerCancel
        self.showProgress = Terminal.isTTY(2) && !json
    }

    func run() async throws -> FollowOutcome {
        let subscription = try await openSubscription()
        let consumer = subscription.consumer

        let (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
        // Unstructured on purpose: a consumer blocked in the AMQP library must not keep rnx alive.
        let pump = Task {
            do {
                for try await delivery in consumer { continuation.yield(.delivery(delivery)) }
                continuation.yield(.consumerEnded(nil))
            } catch {
                continuation.yield(.consumerEnded("\(error)"))
            }
        }
        let ticker = Task {
            for await _ in AsyncTimerSequence(interval: .milliseconds(250), clock: .continuous) {
                continuation.yield(.tick)
            }
        }
        // Trapped before the loop starts: from here on Ctrl-C is an input, not the end of rnx.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let interrupts = Task {
            for await _ in signals { continuation.yield(.interrupt) }
        }
        defer {
            interrupts.cancel()
            // Dispatch keeps its handler installed after the sequence ends, which would swallow a
            // later Ctrl-C: restore the defaults so one ends rnx again once following is over.
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            pump.cancel()
            ticker.cancel()
            continuation.finish()
        }

        let outcome = try await loop(inputs)
        clearProgress()
        await subscription.close()
        return outcome
    }

    /// The caller's subscription, else one bound to this job now.
    private func openSubscription() async throws -> FollowSubscription {
        if let subscription { return subscription }
        let opened = try await FollowSubscription.job(jobID, client: client, submitter: submitter, logs: printLogs)
        subscription = opened
        return opened
    }

    private func loop(_ inputs: AsyncStream<Input>) async throws -> FollowOutcome {
        // Bound before the job existed (`rnx run`): its state and every chunk arrive live, so the two
        // round trips to the dispatcher for the past would bring nothing.
        if subscription?.boundBeforeJob != true {
            try await refreshStatus()
            try await fetchHistory()
        }
        if let done = finished() { return done }
        for await input in inputs {
            switch input {
            case .delivery(let delivery):
                handle(delivery)
                try await settle(delivery)
                if endAnnounced, terminal == nil {
                    try await refreshStatus()
                    // Ended without a worker result (cancelled in queue, lost): what the store has is all.
                    if let terminal, terminal.result == nil { try await fetchHistory() }
                }
            case .tick:
                try await flushAck()
                try await tick()
            case .interrupt:
                if let detached = try await interrupted() { return detached }
            case .consumerEnded(let reason):
                throw lostBroker(reason)
            }
            if let done = finished() { return done }
        }
        throw RNXError(.broker, "stopped following job \(jobID); reattach with: rnx logs -f \(jobID)")
    }

    /// Acks what was read, `ackEvery` deliveries at a time (one multiple ack), so the prefetch window
    /// moves on; the rest goes on the next tick.
    private func settle(_ delivery: Delivery) async throws {
        unacked = delivery
        unackedCount += 1
        if unackedCount >= FollowSubscription.ackEvery { try await flushAck() }
    }

    private func flushAck() async throws {
        guard let last = unacked, let subscription else { return }
        unacked = nil
        unackedCount = 0
        do {
            try await subscription.channel.ack(last, multiple: true)
        } catch let error as AMQPError {
            throw lostBroker(error.message)
        }
    }

    private func lostBroker(_ reason: String?) -> RNXError {
        RNXError(.broker, "lost the connection to the broker while following job \(jobID)\(reason.map { ": \($0)" } ?? ""); reattach with: rnx logs -f \(jobID)")
    }

    /// The outcome once the job is terminal and every chunk it announced was written.
    private func finished() -> FollowOutcome? {
        guard let terminal else { return nil }
        guard printLogs else { return terminal }
        if let result = terminal.result { return next >= result.logChunks ? terminal : nil }
        // Ended without a worker result (cancelled in queue, lost, rejected): whatever history has is all.
        return terminalHistoryFetched ? terminal : nil
    }

    private func handle(_ delivery: Delivery) {
        if delivery.exchange == Topology.logsExchange {
            guard let chunk = try? LogChunk(delivery: delivery), chunk.jobID == jobID else { return }
            liveChunkSeen = true
            accept(chunk)
            return
        }
        guard let event = try? Envelope.decode(JobEvent.self, from: delivery, expectedType: MessageType.jobEvent),
              event.jobID == jobID else { return }
        if event.state.isTerminal {
            endAnnounced = true
        } else {
            note(state: event.state, result: nil, reason: event.reason)
        }
    }

    private func note(state: JobState, result: JobResult?, reason: String?) {
        if state == .running, !started {
            started = true
            clearProgress()
        }
        if state.isTerminal, terminal == nil {
            terminal = FollowOutcome(state: state, result: result, reason: reason)
            ticksSinceProgress = 0
        }
    }

    private func accept(_ chunk: LogChunk) {
        guard chunk.seq >= next, pending[chunk.seq] == nil else { return }
        pending[chunk.seq] = chunk
        while let ready = pending.removeValue(forKey: next) {
            write(ready)
            next += 1
            ticksSinceProgress = 0
        }
    }

    private func write(_ chunk: LogChunk) {
        clearProgress()
        started = true
        if json {
            if let line = try? JSONCodec.encode(chunk) { Terminal.write(line + [0x0a], to: 1) }
        } else {
            Terminal.write(chunk.data, to: chunk.stream == "stderr" ? 2 : 1)
        }
    }

    /// History from `next` on, page by page, until the dispatcher has nothing newer.
    private func fetchHistory() async throws {
        guard printLogs else { return }
        let wasTerminal = terminal != nil
        var pages = 0
        var last: RPCResponse?
        while pages < 1000 {
            pages += 1
            let response = try await client.query(RPCRequest(method: .logs, jobID: jobID, sinceSeq: next))
            last = response
            let chunks = response.logs ?? []
            let before = next
            for chunk in chunks { accept(chunk) }
            if chunks.isEmpty || next == before || response.complete == true { break }
        }
        if wasTerminal { terminalHistoryFetched = true }
        if let last, last.complete == true, let record = last.job { skipUnstoredChunks(record) }
    }

    /// The dispatcher stopped storing the job's log at its cap: chunks not seen live by a quiet
    /// second after the end (live ones may still be on their way) will never come, so say so
    /// instead of waiting for them.
    private func skipUnstoredChunks(_ record: JobRecord) {
        guard record.logsTruncated == true, record.state.isTerminal, let expected = record.result?.logChunks,
              next < expected, ticksSinceProgress >= 4 else { return }
        clearProgress()
        for note in LogTruncation.storedLogNotes(record) { Terminal.err(note) }
        pending.removeAll()
        next = expected
    }

    private func refreshStatus() async throws {
        let response = try await client.query(RPCRequest(method: .status, jobID: jobID))
        guard let record = response.job else { return }
        note(state: record.state, result: record.result, reason: record.reason)
    }

    private func tick() async throws {
        ticks += 1
        ticksSinceProgress += 1
        if showProgress, !started, terminal == nil {
            let waited = Double(ticks) / 4
            Terminal.write(Array("\r\u{1B}[Kjob \(JobID.short(jobID)) queued, waiting for a worker (\(Int(waited))s)…".utf8), to: 2)
            progressShown = true
        }
        if terminal != nil {
            // Terminal but chunks missing: the dispatcher stores logs asynchronously; ask again.
            if ticksSinceProgress % 2 == 0 { try await fetchHistory() }
            if ticksSinceProgress > 120, let terminal, finished() == nil {
                Terminal.err("rnx: warning: job \(jobID) ended but log chunks from \(next) on never arrived; output may be incomplete")
                self.terminalHistoryFetched = true
                self.pending.removeAll()
                if let result = terminal.result { next = max(next, result.logChunks) }
            }
        } else if endAnnounced {
            try await refreshStatus()
            if terminal != nil { try await fetchHistory() }
        } else if !pending.isEmpty, ticksSinceProgress % 2 == 0 {
            // A gap in the live stream: the missing chunks were published before we were bound.
            try await fetchHistory()
        } else if !liveChunkSeen, printLogs, subscription?.boundBeforeJob == false, Self.rereadsHistory(atTick: ticks) {
            // Nothing live yet: chunks published before the bind may have reached the store since
            // (never so for `rnx run`, bound before the job existed).
            try await fetchHistory()
        } else if ticks % 20 == 0 {
            // Safety net for ends that publish no event (e.g. dead-lettered as lost).
            try await refreshStatus()
            if terminal != nil { try await fetchHistory() }
        }
    }

    /// While no chunk has arrived live: 0.5, 1, 2 and 4 s after the start, then every 5 s.
    static func rereadsHistory(atTick tick: Int) -> Bool {
        tick == 2 || tick == 4 || tick == 8 || tick % 20 == 16
    }

    /// Ctrl-C: on a terminal ask cancel-or-detach; otherwise detach and say how to reattach.
    private func interrupted() async throws -> FollowOutcome? {
        clearProgress()
        if offerCancel, !cancelRequested, Terminal.isTTY(0), Terminal.isTTY(2) {
            Terminal.write(Array("\nrnx: cancel job \(JobID.short(jobID))? [y/N] (N detaches; the job keeps running) ".utf8), to: 2)
            let answer = readLine()?.lowercased() ?? ""
            if answer == "y" || answer == "yes" {
                cancelRequested = true
                _ = try await client.query(RPCRequest(method: .cancel, jobID: jobID))
                Terminal.err("rnx: cancel requested; waiting for job \(JobID.short(jobID)) to stop (Ctrl-C again detaches)")
                return nil
            }
        }
        Terminal.err("\nrnx: detached from job \(jobID); it keeps running. Reattach with: rnx logs -f \(jobID)")
        return FollowOutcome(state: terminal?.state ?? (started ? .running : .queued), detached: true)
    }

    private func clearProgress() {
        guard progressShown else { return }
        Terminal.write(Array("\r\u{1B}[K".utf8), to: 2)
        progressShown = false
    }
}
