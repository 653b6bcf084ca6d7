import AMQP
import JobletCore
import JobletMessaging
import Logging

extension Dispatcher {
    /// `job.<submitter>.<id>.<state>` events, as one read from the broker brought them: recorded in the
    /// store in one transaction (duplicates and stale events change nothing), then acked. Believed only
    /// from the worker that holds the job (docs/SECURITY.md); the dispatcher's own `cancelled` events
    /// come back here too and were recorded when published. Should the store fail, the events not yet
    /// settled go back to the queue and the error is thrown. A terminal event that `impliesRunning` counts
    /// as that `running` and itself (`JobStore.apply`).
    public func handleEvents(_ deliveries: [Delivery], on channel: AMQPChannel) async throws {
        var accepted: [(delivery: Delivery, item: WorkerEvent)] = []
        for delivery in deliveries {
            if let item = try await screenEvent(delivery, on: channel) { accepted.append((delivery, item)) }
        }
        guard !accepted.isEmpty else { return }
        let outcomes: [EventOutcome]
        do {
            outcomes = try await store.apply(accepted.map(\.item)) { Self.eventRefusal($0.event, from: $0.worker, holder: $1) }
        } catch {
            for (delivery, _) in accepted { try? await channel.nack(delivery, requeue: true) }
            throw error
        }
        // One ack (multiple) for the batch: a quorum queue settles it in one command, not one per event.
        var lastToAck: Delivery?
        var controlFailure: (any Error)?
        for ((delivery, item), outcome) in zip(accepted, outcomes) {
            let event = item.event
            switch outcome {
            case .applied, .ended:
                logger.debug("job \(event.state.rawValue)", metadata: ["job": "\(event.jobID)", "worker": "\(item.worker)"])
                if case .ended(let submitter) = outcome {
                    metrics.recordResult(event.state)
                    var recorded = event
                    recorded.reason = event.recordedReason
                    publishRecorded(recorded, submitter: submitter, on: channel)
                }
            case .unchanged:
                break
            case .refused(let reason):
                refusals.refuse("event", sender: item.worker, reason: reason)
            case .copyOfEnded(let state):
                // A copy of a job that already ended (delivered twice after a dispatcher crash, or started
                // after a cancel while queued): stop it; its result would change nothing.
                logger.warning(
                    "stopping a copy of an ended job",
                    metadata: [
                        "job": "\(event.jobID)", "worker": "\(item.worker)",
                        "state": "\(state.rawValue)",
                    ])
                do {
                    try await sendControl(ControlCommand(command: .cancel, jobID: event.jobID), to: item.worker, on: channel)
                } catch {
                    // Back to the queue: the stop is tried again when the event comes round.
                    try? await channel.nack(delivery, requeue: true)
                    controlFailure = controlFailure ?? error
                    continue
                }
            }
            lastToAck = delivery
        }
        // Every other delivery of the batch is settled already (screened out, or handed back above), and
        // earlier batches were settled before this one was read: the multiple ack takes exactly these.
        if let lastToAck { try await channel.ack(lastToAck, multiple: true) }
        if let controlFailure { throw controlFailure }
    }

    /// The event a worker user sent, or nil when it was settled here: the dispatcher's own (acked),
    /// one from a user who may not report events (refused and acked), a malformed one (dead-lettered).
    private func screenEvent(_ delivery: Delivery, on channel: AMQPChannel) async throws -> WorkerEvent? {
        let sender = delivery.properties.userID
        switch trust.role(of: sender) {
        case .dispatcher:
            try await channel.ack(delivery)
            return nil
        case .submitter, .anonymous:
            refusals.refuse("event", sender: sender, reason: "job events are believed only from worker users")
            try await channel.ack(delivery)
            return nil
        case .worker:
            break
        }
        do {
            let event = try Envelope.decode(JobEvent.self, from: delivery, expectedType: MessageType.jobEvent)
            return WorkerEvent(event: event, worker: sender ?? "")
        } catch let poison as PoisonMessage {
            logger.warning("malformed job event dead-lettered", metadata: ["reason": "\(poison.reason)"])
            try await channel.deadLetter(delivery, reason: poison.reason, queue: DispatcherQueues.events)
            return nil
        }
    }

    /// Why a worker's event about a job must not be believed, or nil. `running` starts an attempt
    /// and makes the sender the job's holder; everything after it only counts from that holder.
    static func eventRefusal(_ event: JobEvent, from worker: String, holder: JobHolder) -> String? {
        guard event.workerID == worker, event.result.map({ $0.workerID == worker }) ?? true else {
            return "event for job \(event.jobID) names worker \(event.workerID ?? "none") but was sent by \(worker)"
        }
        switch event.state {
        case .running:
            return nil
        case _ where DispatcherQueues.decidedStates.contains(event.state):
            return "\(event.state.rawValue) is decided by the dispatcher, not reported by workers"
        default:
            guard holder.exists else { return nil }  // unknown: changes nothing
            if holder.workerID == worker { return nil }
            // A worker may refuse a job (limits, missing runtime) before anybody started it.
            if event.state == .rejected, holder.workerID == nil { return nil }
            return "\(worker) does not hold job \(event.jobID) (its current attempt is on \(holder.workerID ?? "no worker"))"
        }
    }

    /// A worker advert: updates the fleet registry. Believed only from a worker user advertising
    /// under its own name.
    public func handleAdvert(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        try await handleFromWorker(.advert, delivery, on: channel) { sender in
            let advert = try Envelope.decode(WorkerAdvert.self, from: delivery, expectedType: MessageType.workerAdvert)
            if let invalid = Self.invalidity(of: advert) {
                refusals.refuse("advert", sender: sender, reason: invalid)
            } else if advert.workerID == sender {
                registry.update(advert, now: Clock.now)
                if advert.status != .offline { try await declareJobQueues(for: advert, sender: sender, on: channel) }
            } else {
                refusals.refuse("advert", sender: sender, reason: "advert for worker \(advert.workerID.prefix(80)) sent by \(sender)")
            }
        }
    }

    /// Workers may not declare job queues: the dispatcher declares those of the targets an advert
    /// calls for, so the worker finds them and consumes (within `max_job_queues`).
    func declareJobQueues(for advert: WorkerAdvert, sender: String, on channel: AMQPChannel) async throws {
        let overLimit = try await jobQueues.ensure(for: advert, on: channel)
        guard let first = overLimit.first else { return }
        refusals.refuse(
            "advert", sender: sender,
            reason:
                "max_job_queues (\(jobQueues.limit)) job queues are declared; \(overLimit.count) targets such as \(first.prefix(120)) are not: raise max_job_queues in dispatcher.yml if the fleet really has that many runtimes"
        )
    }

    static func invalidity(of advert: WorkerAdvert) -> String? {
        do { try advert.validate() } catch { return "\(error)" }
        return nil
    }

    /// A log chunk: stored once per job+sender+seq, within the per-job byte cap. Only workers send
    /// logs; queries return the chunks of the worker that holds the job.
    public func handleLogChunks(_ deliveries: [Delivery], on channel: AMQPChannel) async throws {
        guard let last = deliveries.last else { return }
        var chunks: [(chunk: LogChunk, worker: String)] = []
        for delivery in deliveries {
            let message = WorkerMessage.logChunk
            guard let sender = workerSender(of: delivery, kind: message.kind, reason: message.refusal) else { continue }
            do {
                chunks.append((try LogChunk(delivery: delivery), sender))
            } catch {
                ignore(message, delivery, error)
            }
        }
        do {
            if !chunks.isEmpty { try await store.append(chunks, byteCap: config.logBytesPerJob.bytes) }
        } catch {
            try? await channel.nack(last, multiple: true, requeue: true)
            throw error
        }
        // Every delivery of the batch, refused and malformed ones too: one settle command, not one per chunk.
        try await channel.ack(last, multiple: true)
    }

    /// A dead-lettered message. Job messages mean the job is `lost` (the reason comes from
    /// `x-joblet-reason`, else from the broker's `x-death`: expired, delivery_limit …) when the dead
    /// letter is believable: the broker's own dead-lettering of the dispatcher's job message, or a
    /// worker's (but not a worker's refusal of a forged job). Anything else is logged.
    public func handleDeadLetter(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        let headers = delivery.properties.headers ?? [:]
        let reason = Dispatcher.deadLetterReason(headers, queueTTL: config.queueTTL)
        if let message = try? Envelope.decode(JobMessage.self, from: delivery, expectedType: MessageType.job) {
            if let refusal = deadLetterRefusal(delivery) {
                refusals.refuse("dead_letter", sender: delivery.properties.userID, reason: refusal)
            } else {
                let now = Clock.now
                if try await store.mark(
                    jobID: message.jobID, .lost, reason: reason, time: now,
                    allowedFrom: [.queued, .running, .unschedulable])
                {
                    logger.warning("job lost", metadata: ["job": "\(message.jobID)", "reason": "\(reason)"])
                    let submitter = try await store.record(jobID: message.jobID)?.submitter ?? message.submitter
                    await publishEvent(
                        JobEvent(jobID: message.jobID, state: .lost, time: now, reason: reason),
                        submitter: submitter, on: channel)
                }
            }
        } else {
            logger.warning(
                "dead-lettered message",
                metadata: [
                    "type": "\(delivery.properties.type ?? "-")", "routing_key": "\(delivery.routingKey)", "reason": "\(reason)",
                ])
        }
        try await channel.ack(delivery)
    }

    /// Why a dead-lettered job message says nothing about its job, or nil when it is believable.
    func deadLetterRefusal(_ delivery: Delivery) -> String? {
        let headers = delivery.properties.headers ?? [:]
        let sender = delivery.properties.userID
        switch trust.role(of: sender) {
        case .dispatcher:
            // The broker dead-letters our own job messages (expired, delivery limit) and adds x-death.
            return headers["x-death"] == nil ? "a job dead letter from the dispatcher's user without x-death" : nil
        case .worker:
            return headers[Topology.refusedHeader] == nil ? nil : "a worker's refusal of a job message from an untrusted sender"
        case .submitter, .anonymous:
            return "job dead letters are believed only from the broker or workers"
        }
    }

    /// Why a message was dead-lettered, in words a user can act on.
    static func deadLetterReason(_ headers: FieldTable, queueTTL: JobDuration?) -> String {
        if case .string(let reason)? = headers[Topology.reasonHeader] { return reason }
        if case .array(let deaths)? = headers["x-death"], case .table(let first)? = deaths.first {
            var queue = ""
            if case .string(let name)? = first["queue"] { queue = name }
            if case .string(let reason)? = first["reason"] {
                switch reason {
                case "expired":
                    let wait = queueTTL.map { " within \($0)" } ?? ""
                    return "expired: no worker picked it up\(wait) from \(queue)"
                case "delivery_limit":
                    return "delivery_limit: it was handed out too many times from \(queue) (its workers kept getting lost)"
                case "rejected":
                    return "rejected: a consumer of \(queue) refused it"
                case "maxlen":
                    return "maxlen: \(queue) was full"
                default:
                    return "\(reason) (from \(queue))"
                }
            }
        }
        return "dead-lettered without a reason"
    }
}
