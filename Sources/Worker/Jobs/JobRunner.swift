#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import Isolation
import JobletCore
import JobletMessaging
import Logging

/// Runs one job delivery from decode to ack: validate, prepare, sandbox, stream logs, publish the result.
struct JobRunner: Sendable {
    let config: WorkerConfig
    let jobChannel: AMQPChannel
    let publishChannel: AMQPChannel
    let inventory: RuntimeInventory
    let cgroups: CgroupManager?
    /// Job disks (`/work`, `/tmp`); nil where the host cannot make them and running without is allowed.
    let disks: DiskPool?
    let state: WorkerState
    /// Each running job's own uid.
    let uids: JobUIDPool
    /// Volumes mounted idmapped, so jobs of any uid share them; nil where this host cannot.
    let volumeMounts: IdmappedVolumes?
    /// Job networks; nil unless worker.yml `network.enabled` (no job with a network is consumed then).
    let networks: HostNetwork?
    /// Whose job messages are run (the dispatcher users of worker.yml).
    let trust: TrustPolicy
    let refusals: RefusalLog
    /// Told before each settle, so a consumer the worker does not keep is cancelled while it is full.
    let consumers: ConsumerSet
    let logger: Logger

    var workerID: String { config.workerID }

    func run(_ work: JobWork) async {
        let delivery = work.delivery
        let sender = delivery.properties.userID
        guard trust.role(of: sender) == .dispatcher else {
            // Anybody else's "job" is never run, and its dead letter says nothing about the job it names.
            let reason = "refused: job message published by '\(sender ?? "")', not by a dispatcher (\(trust.dispatcherUsers.sorted().joined(separator: ", ")))"
            refusals.refuse("job", sender: sender, reason: reason)
            await settle(delivery) {
                try await jobChannel.deadLetter(
                    delivery, reason: reason, queue: work.queue,
                    extraHeaders: [Topology.refusedHeader: .string(sender ?? "")])
            }
            return
        }
        let message: JobMessage
        do {
            message = try decode(delivery, queue: work.queue)
        } catch {
            logger.warning("dead-lettering a malformed job", metadata: ["queue": "\(work.queue)", "reason": "\(error.reason)"])
            await settle(delivery) { try await jobChannel.deadLetter(delivery, reason: error.reason, queue: work.queue) }
            return
        }
        let previous = deliveryCount(delivery)
        if previous >= message.maxAttempts {
            let reason = "lost: its worker was lost \(previous) times"
            logger.warning("job exhausted its attempts", metadata: ["job": "\(message.jobID)", "reason": "\(reason)"])
            await settle(delivery) { try await jobChannel.deadLetter(delivery, reason: reason, queue: work.queue) }
            return
        }
        let attempt = previous + 1
        let limits: EffectiveLimits
        do {
            limits = try EffectiveLimits(requested: message.request.limits, defaults: config.defaultLimits, maximum: config.maxLimits)
        } catch {
            await reject(message, delivery: delivery, reason: error.message)
            return
        }
        var runtime: InstalledRuntime?
        if let runtimeID = message.runtimeID {
            guard let found = inventory.runtime(id: runtimeID) else {
                await reject(
                    message, delivery: delivery,
                    reason: "runtime \(runtimeID) is not installed on worker \(workerID) (any more)")
                return
            }
            runtime = found
        }
        guard await state.claim(message.jobID) else {
            // Two runs of one job here would share its cgroups, disk and directory: the first one's end
            // is the job's end, so the copy is settled without running.
            logger.warning("dropping a second copy of a job running here", metadata: ["job": "\(message.jobID)"])
            await settle(delivery) { try await jobChannel.ack(delivery) }
            return
        }
        guard let user = await uids.lease() else {
            await state.unregister(message.jobID)
            await reject(
                message, delivery: delivery,
                reason: "no free job uid on worker \(workerID): every uid of job.uid_range \(config.jobUIDs) is held by a running job or a leftover process")
            return
        }
        let handle = JobHandle(jobID: message.jobID, user: user)
        await state.register(handle)
        async let leased = leaseNetwork(for: message, bandwidth: limits.limits.netBytesPerSecond)  // beside the disk
        let disk = await assignDisk(limits)
        let network = await leased
        let cgroup = await execute(
            message, work: work, attempt: attempt, limits: limits, runtime: runtime, handle: handle, disk: disk,
            network: network)
        await tearDown(jobID: message.jobID, cgroup: cgroup, disk: disk)
        await releaseNetwork(network)
        // Only now: execute returned after the job's pid namespace (every process of it) ended, and its files are gone.
        await uids.release(user)
        await state.unregister(message.jobID)
    }

    // MARK: - Decoding

    /// The job, or a reason to dead-letter the delivery.
    func decode(_ delivery: Delivery, queue: String) throws(PoisonMessage) -> JobMessage {
        let message: JobMessage
        do {
            message = try Envelope.decode(JobMessage.self, from: delivery, expectedType: MessageType.job)
        } catch let poison as PoisonMessage {
            throw poison
        } catch {
            throw PoisonMessage("\(error)")
        }
        guard JobID.isComplete(message.jobID) else {
            throw PoisonMessage("job_id: \"\(message.jobID.prefix(64))\" is not a job id (32 lowercase hex characters)")
        }
        do {
            try message.request.validate()
        } catch let error as JobletError {
            throw PoisonMessage("request.\(error.message)")
        } catch {
            throw PoisonMessage("request: \(error)")
        }
        try Self.validateVolumes(message)
        guard BrokerUserName.isValid(message.submitter) else {
            throw PoisonMessage("submitter: \"\(message.submitter.prefix(80))\" is not a broker user name Joblet can route (\(BrokerUserName.allowed))")
        }
        guard (1...JobMessage.maxAttemptsLimit).contains(message.maxAttempts) else {
            throw PoisonMessage("max_attempts: \(message.maxAttempts) is out of range; give 1-\(JobMessage.maxAttemptsLimit)")
        }
        let network = message.request.jobNetwork.needsNetworkQueue
        let expected = Topology.jobQueue(runtimeID: message.runtimeID, arch: Architecture.host, network: network)
        guard expected == queue else {
            throw PoisonMessage(
                "misrouted: a job for \(Topology.target(runtimeID: message.runtimeID, arch: Architecture.host, network: network)) arrived on \(queue)")
        }
        return message
    }

    /// Quorum queues count earlier deliveries in `x-delivery-count`; absent on the first one.
    func deliveryCount(_ delivery: Delivery) -> Int {
        switch delivery.properties.headers?["x-delivery-count"] {
        case .int(let value)?: return Int(clamping: value)
        default: return 0
        }
    }

    // MARK: - Outcomes without a run

    private func reject(_ message: JobMessage, delivery: Delivery, reason: String) async {
        logger.info("rejecting job", metadata: ["job": "\(message.jobID)", "reason": "\(reason)"])
        await state.recordRejected()
        let event = JobEvent(jobID: message.jobID, state: .rejected, time: Clock.now, workerID: workerID, reason: reason)
        do {
            try await publish(event, submitter: message.submitter)
        } catch {
            logger.warning("could not publish rejection; the job will be redelivered", metadata: ["job": "\(message.jobID)", "error": "\(error)"])
            return
        }
        await settle(delivery) { try await jobChannel.ack(delivery) }
    }

    func publish(_ event: JobEvent, submitter: String) async throws {
        try await startPublish(event, submitter: submitter).confirmed()
    }

    /// Hands the event to the channel now (in order with later publishes); the receipt has its confirm.
    func startPublish(_ event: JobEvent, submitter: String) throws -> PublishReceipt {
        publishChannel.startPublish(
            try Envelope.encode(event), exchange: Topology.eventsExchange,
            routingKey: Topology.eventRoutingKey(
                submitter: submitter, jobID: event.jobID,
                state: event.state),
            properties: Envelope.properties(type: MessageType.jobEvent))
    }

    /// Every settle of a job delivery (ack, dead-letter, hand back) goes through here: its consumer is
    /// cancelled first if the worker does not keep it (ConsumerBooks.settling). Logs instead of
    /// throwing: a failure means the channel is gone and the broker redelivers.
    @discardableResult
    func settle(_ delivery: Delivery, _ body: () async throws -> Void) async -> Bool {
        await consumers.beforeSettling(delivery.consumerTag)
        do {
            try await body()
            return true
        } catch {
            logger.warning("could not settle a delivery; the broker will redeliver it", metadata: ["error": "\(error)"])
            return false
        }
    }
}
