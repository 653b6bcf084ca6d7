import AMQP
import JobletCore
import JobletMessaging
import Logging

extension Dispatcher {
    /// A `job.<id>.<state>` event: recorded in the store (duplicates and stale events change nothing).
    public func handleEvent(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        let event: JobEvent
        do {
            event = try Envelope.decode(JobEvent.self, from: delivery, expectedType: MessageType.jobEvent)
        } catch let poison as PoisonMessage {
            logger.warning("malformed job event dead-lettered", metadata: ["reason": "\(poison.reason)"])
            try await channel.deadLetter(delivery, reason: poison.reason, queue: DispatcherQueues.events)
            return
        }
        if try store.apply(event) {
            logger.debug("job \(event.state.rawValue)", metadata: ["job": "\(event.jobID)", "worker": "\(event.workerID ?? "-")"])
        } else if event.state == .running, let workerID = event.workerID,
                  let record = try store.record(jobID: event.jobID), record.state.isTerminal {
            // A copy of a job that already ended (delivered twice after a dispatcher crash, or started
            // after a cancel while queued): stop it; its result would change nothing.
            logger.warning("stopping a copy of an ended job", metadata: ["job": "\(event.jobID)", "worker": "\(workerID)",
                                                                        "state": "\(record.state.rawValue)"])
            try await sendControl(ControlCommand(command: .cancel, jobID: event.jobID), to: workerID, on: channel)
        }
        try await channel.ack(delivery)
    }

    /// A worker advert: updates the fleet registry.
    public func handleAdvert(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        do {
            let advert = try Envelope.decode(WorkerAdvert.self, from: delivery, expectedType: MessageType.workerAdvert)
            registry.update(advert, now: Clock.now)
        } catch let poison as PoisonMessage {
            logger.warning("malformed worker advert ignored", metadata: ["reason": "\(poison.reason)", "key": "\(delivery.routingKey)"])
        }
        try await channel.ack(delivery)
    }

    /// A log chunk: stored once per job+seq, within the per-job byte cap.
    public func handleLogChunk(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        do {
            let chunk = try LogChunk(delivery: delivery)
            try store.append(chunk, byteCap: config.logBytesPerJob.bytes)
        } catch let poison as PoisonMessage {
            logger.warning("malformed log chunk ignored", metadata: ["reason": "\(poison.reason)", "key": "\(delivery.routingKey)"])
        }
        try await channel.ack(delivery)
    }

    /// A dead-lettered message. Job messages mean the job is `lost` (the reason comes from
    /// `x-joblet-reason`, else from the broker's `x-death`: expired, delivery_limit …); anything else is logged.
    public func handleDeadLetter(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        let reason = Dispatcher.deadLetterReason(delivery.properties.headers ?? [:], queueTTL: config.queueTTL)
        if let message = try? Envelope.decode(JobMessage.self, from: delivery, expectedType: MessageType.job) {
            let now = Clock.now
            if try store.mark(jobID: message.jobID, .lost, reason: reason, time: now,
                              allowedFrom: [.queued, .running, .unschedulable]) {
                logger.warning("job lost", metadata: ["job": "\(message.jobID)", "reason": "\(reason)"])
                await publishEvent(JobEvent(jobID: message.jobID, state: .lost, time: now, reason: reason), on: channel)
            }
        } else {
            logger.warning("dead-lettered message", metadata: [
                "type": "\(delivery.properties.type ?? "-")", "routing_key": "\(delivery.routingKey)", "reason": "\(reason)",
            ])
        }
        try await channel.ack(delivery)
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
