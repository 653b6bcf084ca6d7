import AMQP
import JobletCore
import JobletMessaging
import Logging

extension Dispatcher {
    /// Handles one `joblet.submit` delivery: validate, deduplicate, route, store, reply, ack.
    /// The ack comes only after the job message is confirmed by the broker and the job is stored, so a
    /// crash at any point means redelivery; the `message_id` key makes that redelivery a duplicate,
    /// never a second job.
    public func handleSubmission(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        if try await refusedReplyAddress(delivery, kind: "submission", queue: Topology.submitQueue, on: channel) { return }
        let reply: SubmitReply
        do {
            reply = try await submit(delivery, on: channel)
        } catch let poison as PoisonMessage {
            logger.info("malformed submission dead-lettered", metadata: ["reason": "\(poison.reason)"])
            metrics.recordSubmission(.malformed)
            self.reply(
                SubmitReply(status: .rejected, error: ErrorInfo(code: "invalid_request", message: poison.reason)),
                type: MessageType.submitReply, to: delivery, on: channel)
            try await channel.deadLetter(delivery, reason: poison.reason, queue: Topology.submitQueue)
            return
        } catch let error as DispatcherError {
            logger.info("submission rejected", metadata: ["code": "\(error.code)", "reason": "\(error.message)"])
            reply = SubmitReply(status: .rejected, error: error.info)
        } catch let error as JobletError {
            logger.info("submission rejected", metadata: ["reason": "\(error.message)"])
            reply = SubmitReply(status: .rejected, error: ErrorInfo(code: "invalid_request", message: error.message))
        }
        metrics.recordSubmission(reply.status != .accepted ? .rejected : reply.duplicate == true ? .duplicate : .accepted)
        self.reply(reply, type: MessageType.submitReply, to: delivery, on: channel)
        try await channel.ack(delivery)
    }

    func submit(_ delivery: Delivery, on channel: AMQPChannel) async throws -> SubmitReply {
        guard let submitter = delivery.properties.userID, !submitter.isEmpty else {
            throw DispatcherError(.unauthenticated, "set the user_id property to your broker user name (RabbitMQ checks it against the connection's user)")
        }
        switch trust.role(of: submitter) {
        case .dispatcher, .worker:
            refusals.refuse("submission", sender: submitter, reason: "dispatcher and worker users do not submit jobs")
            throw DispatcherError.forbidden(
                "\(submitter) is a dispatcher or worker user, which may not submit jobs; submit as a submitter user (scripts/broker-roles)")
        case .submitter, .anonymous:
            break
        }
        guard BrokerUserName.isValid(submitter) else {
            throw DispatcherError(
                .invalidUser,
                "broker user \"\(submitter.prefix(80))\" cannot submit: Joblet puts the user in routing keys, so names may only have \(BrokerUserName.allowed); ask the broker operator for such a user"
            )
        }
        let request = try Envelope.decode(JobRequest.self, from: delivery, expectedType: MessageType.jobRequest)
        try request.validate(maxUploadBytes: Int(config.maxUpload.bytes))
        let messageID = delivery.properties.messageID.flatMap { $0.isEmpty ? nil : $0 }

        // A repeated key is found when the job is stored (INSERT OR IGNORE), which spares every new
        // submission a read of the store; one refused before that is looked up then, so it is answered
        // as the duplicate it is rather than judged again (quota, volumes and fleet may have changed).
        var reservation: QuotaPass?
        defer { reservation?.release() }
        let route: Route
        var message: JobMessage
        do {
            // Held from the quota check until the job is stored (or not): see `reserveQuota`.
            reservation = try await reserveQuota(submitter: submitter)
            route = try Matchmaker.route(request, workers: registry.live(now: Clock.now))
            message = JobMessage(
                jobID: JobID.generate(), runtimeID: route.runtime?.id, request: request,
                submitter: submitter, submittedAt: Clock.now, maxAttempts: config.maxAttempts)
            message.volumes = try await resolveVolumes(request.volumes, submitter: submitter)
            try await checkNetwork(request.jobNetwork, submitter: submitter)
        } catch let refusal as DispatcherError {
            guard let messageID, let existing = try await store.submission(submitter: submitter, messageID: messageID) else { throw refusal }
            return try await duplicate(existing, submitter: submitter, messageID: messageID, on: channel)
        }
        let newJob = NewJob(message: message, target: route.target, queue: route.queue, messageID: messageID)
        routing.withLock { _ = $0.insert(message.jobID) }
        // Out of `routing` when this returns, except once routed: then when the routed mark is committed,
        // so a duplicate read meanwhile (not routed yet in the store) does not route the job again.
        var routedMarkPending = false
        defer { if !routedMarkPending { routing.withLock { _ = $0.remove(message.jobID) } } }
        let stored = try await store.insert(newJob)
        // Stored (or a duplicate): the store counts it from now on.
        reservation?.release()
        reservation = nil
        guard stored else {
            // A redelivered copy of this submission was stored meanwhile (submissions run concurrently).
            guard let messageID, let existing = try await store.submission(submitter: submitter, messageID: messageID) else {
                throw DispatcherError(.io, "the submission key of \(submitter) is taken but names no job; try again")
            }
            return try await duplicate(existing, submitter: submitter, messageID: messageID, on: channel)
        }
        do {
            try await publish(message, target: route.target, on: channel)
        } catch let error as AMQPError where error.code == .returned || error.code == .nacked {
            try await store.mark(
                jobID: message.jobID, .rejected, reason: "the broker refused the job: \(error.message)",
                time: Clock.now, allowedFrom: [.queued])
            throw DispatcherError(.routingFailed, "the broker refused the job for \(route.queue): \(error.message); try again")
        }
        // The reply does not wait for a second commit: should the mark be lost (a crash before its
        // group commits), recovery routes the job again at the next start, as after a crash between the
        // confirm and the mark; at least once either way.
        let jobID = message.jobID
        routedMarkPending = true
        store.markRoutedSoon(jobID: jobID) { [self] error in
            routing.withLock { _ = $0.remove(jobID) }
            if let error {
                logger.error("could not mark a job routed; it is routed again at the next start", metadata: ["job": "\(jobID)", "error": "\(error)"])
            }
        }
        await publishEvent(JobEvent(jobID: message.jobID, state: .queued, time: message.submittedAt), submitter: submitter, on: channel)
        logger.info("job queued", metadata: ["job": "\(message.jobID)", "queue": "\(route.queue)", "submitter": "\(submitter)"])
        return SubmitReply(
            status: .accepted, jobID: message.jobID, queue: route.queue, runtimeID: route.runtime?.id,
            duplicate: false)
    }

    /// Checks `submitter_quota` for one more job; the pass keeps the next submission of `submitter`
    /// from checking until this one is stored (or not). Nil without a quota.
    private func reserveQuota(submitter: String) async throws -> QuotaPass? {
        guard let quota = config.submitterQuota else { return nil }
        let pass = await quotaGate.enter(submitter: submitter)
        let active: Int
        do { active = try await store.activeCount(submitter: submitter) } catch {
            pass.release()
            throw error
        }
        guard active < quota else {
            pass.release()
            throw DispatcherError(
                .quotaExceeded, "\(submitter) already has \(quota) queued or running jobs (the quota); wait for some to finish or cancel them")
        }
        return pass
    }

    /// The reply to a submission whose message id was seen before: its job, routed now if a dispatcher
    /// stopped before the broker confirmed it (unless a handler here is routing it right now).
    private func duplicate(
        _ seen: StoredSubmission, submitter: String, messageID: String, on channel: AMQPChannel
    ) async throws -> SubmitReply {
        var existing = seen
        if !existing.routed, routing.withLock({ $0.insert(existing.jobID).inserted }) {
            defer { routing.withLock { _ = $0.remove(seen.jobID) } }
            // Looked up again now that no other handler here can route it meanwhile.
            existing = try await store.submission(submitter: submitter, messageID: messageID) ?? existing
            if !existing.routed, let target = existing.target,
                let message = try await store.message(jobID: existing.jobID, maxAttempts: config.maxAttempts)
            {
                try await publish(message, target: target, on: channel)
                try await store.markRouted(jobID: existing.jobID)
            }
        }
        let record = try await store.record(jobID: existing.jobID)
        return SubmitReply(
            status: .accepted, jobID: existing.jobID, queue: existing.queue,
            runtimeID: record?.runtimeID, duplicate: true)
    }

    /// Pauses before each publish tried again after a nack: about 10 s in all, longer than the few seconds
    /// a quorum queue takes to elect a leader when its node stops (CLUSTER.md), and within the reply
    /// timeout of clients such as rnx.
    static let nackRetryPauses: [Duration] = [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(2), .seconds(2), .seconds(2)]

    /// Publishes the job to its target's queue: persistent, mandatory, confirmed. The queue is declared
    /// the first time a target is used; should it have gone since (deleted by an operator), the broker
    /// returns the mandatory message, and the queue is declared again and the job published once more.
    /// A nack means the queue could not take the job just now (no leader while a cluster node stops, or
    /// full under an overflow policy): it is published again after each of `nackRetryPauses`, and the
    /// last nack is thrown. The job is stored and not yet routed, so a copy the broker did take despite a
    /// nack only means a job delivered twice, which workers and the store already handle.
    func publish(_ message: JobMessage, target: String, on channel: AMQPChannel) async throws {
        var properties = Envelope.properties(type: MessageType.job, messageID: message.jobID)
        if let priority = message.request.priority { properties.priority = UInt8(clamping: priority) }
        if let ttl = config.queueTTL { properties.expiration = String(Int64(ttl.seconds * 1000)) }
        let body = try Envelope.encode(message)
        let send = {
            var pauses = Self.nackRetryPauses[...]
            while true {
                do {
                    return try await channel.publish(
                        body, exchange: Topology.jobsExchange, routingKey: target,
                        properties: properties, mandatory: true)
                } catch let error as AMQPError where error.code == .nacked {
                    guard let pause = pauses.popFirst() else { throw error }
                    self.logger.warning(
                        "the broker nacked a job message; publishing it again",
                        metadata: ["job": "\(message.jobID)", "queue": "\(target)", "after": "\(pause)"])
                    try await Task.sleep(for: pause)
                }
            }
        }
        let wasDeclared = jobQueues.contains(target)
        try await jobQueues.ensure(target, on: channel)
        do {
            try await send()
        } catch let error as AMQPError where error.code == .returned && wasDeclared {
            try await jobQueues.redeclare(target, on: channel)
            try await send()
        }
    }
}
