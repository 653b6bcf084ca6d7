import AMQP
import AsyncAlgorithms
import JobletCore
import JobletMessaging

extension JobFollower {
    /// The follower's state machine: deliveries and a 250 ms tick in, `JobFollowEvent`s out.
    public final class Iterator: AsyncIteratorProtocol {
        enum Input: Sendable {
            case delivery(Delivery)
            case tick
            case consumerEnded(String?)
            /// Ask the dispatcher again whether it recorded the announced end.
            case endRecheck
        }

        private let client: ClusterClient
        private let jobID: String
        private let submitter: String
        private let output: Bool
        private var subscription: FollowSubscription?
        /// Events decided but not yet handed out, from `readyIndex` on.
        private var ready: [JobFollowEvent] = []
        private var readyIndex = 0
        /// Thrown once the events decided before it are handed out (chunks read before a failure are output).
        private var failure: (any Error)?
        private var inputs: AsyncStream<Input>.Iterator?
        private var tasks: [Task<Void, Never>] = []
        private var continuation: AsyncStream<Input>.Continuation?
        private var over = false

        private var unacked: Delivery?
        private var unackedCount = 0
        private var next: UInt64
        private var pending: [UInt64: LogChunk] = [:]
        private var terminal: JobOutcome?
        private var terminalHistoryFetched = false
        private var lastState: JobState?
        private var ticks = 0
        private var ticksSinceProgress = 0
        /// A chunk arrived live: from then on a gap shows as pending chunks.
        private var liveChunkSeen = false
        /// A live event said the job ended. Events on `job.` keys come from whoever may publish there, so
        /// the end is taken from the dispatcher's record (which believes only the job's worker): its
        /// recorded end (`recorded.` keys, which only the dispatcher may publish), else its status.
        private var endAnnounced = false
        private var endRecheckScheduled = false
        private var endRechecks = 0
        /// Messages of other jobs read (`submitAndFollow` binds to all of the submitter's jobs until one arrives).
        private(set) var otherJobsMessages = 0
        /// `narrow(to:)` was called (only a subscription made before the submission is wide).
        private var narrowed = false

        init(_ follower: JobFollower) {
            client = follower.client
            jobID = follower.jobID
            submitter = follower.submitter
            output = follower.output
            subscription = follower.subscription
            next = follower.sinceSeq
        }

        deinit {
            for task in tasks { task.cancel() }
            continuation?.finish()
        }

        public func next() async throws -> JobFollowEvent? {
            while readyIndex == ready.count {
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                if let failure {
                    self.failure = nil
                    throw failure
                }
                if over { return nil }
                do {
                    try await advance()
                } catch {
                    stop()
                    failure = error
                }
            }
            readyIndex += 1
            return ready[readyIndex - 1]
        }

        /// Starts, or handles one input; then ends the iteration if the job is done.
        private func advance() async throws {
            if var inputs {
                guard let input = await inputs.next() else {
                    if Task.isCancelled { throw CancellationError() }
                    throw JobletClientError(.broker, "stopped following job \(jobID); reattach with: rnx logs -f \(jobID)")
                }
                self.inputs = inputs
                try await handle(input)
            } else {
                try await start()
            }
            if let done = finished() {
                await subscription?.close()
                stop()
                ready.append(.ended(done))
            }
        }

        private func start() async throws {
            let subscription = try await openSubscription()
            let consumer = subscription.consumer
            let (stream, continuation) = AsyncStream.makeStream(of: Input.self)
            self.continuation = continuation
            inputs = stream.makeAsyncIterator()
            // Unstructured on purpose: a consumer blocked in the AMQP library must not keep the caller waiting.
            tasks.append(
                Task {
                    do {
                        for try await delivery in consumer { continuation.yield(.delivery(delivery)) }
                        continuation.yield(.consumerEnded(nil))
                    } catch {
                        continuation.yield(.consumerEnded("\(error)"))
                    }
                })
            tasks.append(
                Task {
                    for await _ in AsyncTimerSequence(interval: .milliseconds(250), clock: .continuous) {
                        continuation.yield(.tick)
                    }
                })
            // Bound before the job existed (`submitAndFollow`): its state and every chunk arrive live,
            // so the two round trips to the dispatcher for the past would bring nothing.
            if !subscription.boundBeforeJob {
                try await refreshStatus()
                try await fetchHistory()
            }
        }

        private func stop() {
            over = true
            for task in tasks { task.cancel() }
            tasks = []
            continuation?.finish()
        }

        /// The caller's subscription, else one bound to this job now.
        private func openSubscription() async throws -> FollowSubscription {
            if let subscription { return subscription }
            let opened = try await FollowSubscription.job(jobID, client: client, submitter: submitter, logs: output)
            subscription = opened
            return opened
        }

        private func handle(_ input: Input) async throws {
            switch input {
            case .delivery(let delivery):
                if !take(delivery) { await readOtherJobsMessage() }
                try await settle(delivery)
                try await afterDelivery()
            case .endRecheck:
                if endAnnounced, terminal == nil { try await recheckEnd() }
            case .tick:
                try await flushAck()
                try await tick()
            case .consumerEnded(let reason):
                throw lostBroker(reason)
            }
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

        /// An end without a worker result (cancelled in queue, lost): what the store has is all, so
        /// read it now. An announced end the dispatcher has not recorded yet: its recorded end follows
        /// within milliseconds (it reads the same event), so ask for the status only if none came
        /// within 100 ms (an older dispatcher, or one that crashed before publishing it).
        private func afterDelivery() async throws {
            if let terminal, terminal.result == nil, !terminalHistoryFetched { try await fetchHistory() }
            guard endAnnounced, terminal == nil, !endRecheckScheduled else { return }
            endRecheckScheduled = true
            scheduleEndRecheck(after: .milliseconds(100))
        }

        /// The announced end from the dispatcher's record. It may not have recorded it yet: then ask
        /// again a few times soon (20, 40, 80 ms) rather than at the next tick.
        private func recheckEnd() async throws {
            try await refreshStatus()
            if let terminal, terminal.result == nil { try await fetchHistory() }
            guard terminal == nil, endRechecks < 3 else { return }
            endRechecks += 1
            scheduleEndRecheck(after: .milliseconds(10 << endRechecks))
        }

        private func scheduleEndRecheck(after delay: Duration) {
            guard let continuation else { return }
            tasks.append(
                Task {
                    try? await Task.sleep(for: delay)
                    continuation.yield(.endRecheck)
                })
        }

        private func lostBroker(_ reason: String?) -> JobletClientError {
            JobletClientError(
                .broker, "lost the connection to the broker while following job \(jobID)\(reason.map { ": \($0)" } ?? ""); reattach with: rnx logs -f \(jobID)")
        }

        /// The outcome once the job is terminal and every chunk it announced was yielded.
        private func finished() -> JobOutcome? {
            guard let terminal else { return nil }
            guard output else { return terminal }
            if let result = terminal.result { return next >= result.logChunks ? terminal : nil }
            // Ended without a worker result (cancelled in queue, lost, rejected): whatever history has is all.
            return terminalHistoryFetched ? terminal : nil
        }

        /// Takes a delivery of this job; false for anything else (another job's, or one that does not decode).
        private func take(_ delivery: Delivery) -> Bool {
            if delivery.exchange == Topology.logsExchange {
                guard let chunk = try? LogChunk(delivery: delivery), chunk.jobID == jobID else { return false }
                liveChunkSeen = true
                accept(chunk)
                return true
            }
            guard let event = try? Envelope.decode(JobEvent.self, from: delivery, expectedType: MessageType.jobEvent),
                event.jobID == jobID
            else { return false }
            if delivery.routingKey.hasPrefix(Topology.recordedKeyPrefix) {
                // Only the dispatcher may publish these keys: the end as its store has it.
                if event.state.isTerminal { note(state: event.state, result: event.result, reason: event.reason) }
            } else if event.state.isTerminal {
                endAnnounced = true
            } else {
                note(state: event.state, result: nil, reason: event.reason)
            }
            return true
        }

        /// A queue still bound to all of the submitter's jobs narrows to this one: not waited for, and a
        /// refused bind ends the consumer with the broker's error, which `consumerEnded` reports.
        private func readOtherJobsMessage() async {
            otherJobsMessages += 1
            guard !narrowed, let subscription, subscription.boundBeforeJob else { return }
            narrowed = true
            try? await subscription.narrow(to: jobID)
        }

        private func note(state: JobState, result: JobResult?, reason: String?) {
            guard terminal == nil else { return }
            if state != lastState {
                lastState = state
                ready.append(.state(state))
            }
            if state.isTerminal {
                terminal = JobOutcome(state: state, result: result, reason: reason)
                ticksSinceProgress = 0
            }
        }

        private func accept(_ chunk: LogChunk) {
            guard chunk.seq >= next, pending[chunk.seq] == nil else { return }
            pending[chunk.seq] = chunk
            while let chunk = pending.removeValue(forKey: next) {
                ready.append(.output(chunk))
                next += 1
                ticksSinceProgress = 0
            }
        }

        /// History from `next` on, page by page, until the dispatcher has nothing newer.
        private func fetchHistory() async throws {
            guard output else { return }
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
                next < expected, ticksSinceProgress >= 4
            else { return }
            ready.append(.logNotStored(record))
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
            if terminal != nil {
                // Terminal but chunks missing: the dispatcher stores logs asynchronously; ask again.
                if ticksSinceProgress % 2 == 0 { try await fetchHistory() }
                if ticksSinceProgress > 120, let terminal, finished() == nil {
                    ready.append(.outputMissing(from: next))
                    terminalHistoryFetched = true
                    pending.removeAll()
                    if let result = terminal.result { next = Swift.max(next, result.logChunks) }
                }
            } else if endAnnounced {
                try await refreshStatus()
                if terminal != nil { try await fetchHistory() }
            } else if !pending.isEmpty, ticksSinceProgress % 2 == 0 {
                // A gap in the live stream: the missing chunks were published before we were bound.
                try await fetchHistory()
            } else if !liveChunkSeen, output, subscription?.boundBeforeJob == false, JobFollower.rereadsHistory(atTick: ticks) {
                // Nothing live yet: chunks published before the bind may have reached the store since
                // (never so for `submitAndFollow`, bound before the job existed).
                try await fetchHistory()
            } else if ticks % 20 == 0 {
                // Safety net for ends that publish no event (e.g. dead-lettered as lost).
                try await refreshStatus()
                if terminal != nil { try await fetchHistory() }
            }
        }
    }

    /// While no chunk has arrived live: 0.5, 1, 2 and 4 s after the start, then every 5 s.
    static func rereadsHistory(atTick tick: Int) -> Bool {
        tick == 2 || tick == 4 || tick == 8 || tick % 20 == 16
    }
}
