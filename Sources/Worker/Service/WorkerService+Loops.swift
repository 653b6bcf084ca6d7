import AMQP
import AsyncAlgorithms
import Isolation
import JobletCore
import JobletMessaging
import Logging

extension WorkerService {
    /// Iterates every consumer the ConsumerSet starts; each ends when its consumer is cancelled.
    func consumeLoop(_ session: Session) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await (queue, delivery) in session.consumers.late {
                    self.logger.info("a delivery arrived after its consumer was cancelled; offering it", metadata: ["queue": "\(queue)"])
                    await self.offer(JobWork(delivery: delivery, queue: queue, receivedAt: .now), session)
                }
            }
            for await (queue, consumer) in session.consumers.started {
                group.addTask {
                    do {
                        for try await delivery in consumer {
                            await session.consumers.delivered(consumer.consumerTag)
                            await self.offer(JobWork(delivery: delivery, queue: queue, receivedAt: .now), session)
                        }
                    } catch {
                        self.logger.warning("consumer ended", metadata: ["queue": "\(queue)", "error": "\(error)"])
                        // The broker cancels consumers of a deleted queue: look for it again before consuming.
                        if let target = Topology.target(ofJobQueue: queue) { self.foundTargets.withLock { _ = $0.remove(target) } }
                        session.queueSearchSink.yield()
                    }
                    // Everything it delivered was offered: it leaves the books once that is settled.
                    await session.consumers.ended(consumer.consumerTag)
                    session.reconcileSink.yield()
                }
            }
        }
    }

    /// A delivery arrived: run it in a free slot or hold it for the next one; never nack it (a requeue
    /// would count as a failed delivery in the quorum queue), except when shutting down.
    func offer(_ work: JobWork, _ session: Session) async {
        switch await state.offer(work) {
        case .start(let work):
            session.jobSink.yield(work)
        case .held:
            logger.debug("holding a delivery until a slot frees", metadata: ["queue": "\(work.queue)"])
        case .handBack:
            try? await session.jobChannel.nack(work.delivery, requeue: true)
            await session.consumers.settled(work.delivery.consumerTag)
        }
        // Its consumer is busy now: the queue wants another idle one, or the worker fewer consumers.
        session.reconcileSink.yield()
    }

    /// Runs every job that got a slot, each in its own child task.
    func jobLoop(_ session: Session) async {
        await withDiscardingTaskGroup { group in
            for await work in session.jobs {
                group.addTask {
                    var next: JobWork? = work
                    while let current = next {
                        await session.runner.run(current)
                        // Off its consumer's books before the slot frees, so a consumer counted idle is one.
                        await session.consumers.settled(current.delivery.consumerTag)
                        // A held delivery inherits the slot; otherwise the slot is free.
                        next = await self.state.release()
                        session.reconcileSink.yield()
                    }
                }
            }
        }
    }

    /// Keeps the consumers in line with the worker's ConsumerPolicy for the target queues it found.
    func reconcileLoop(_ session: Session) async {
        for await _ in session.reconcileRequests {
            await session.consumers.reconcile(queues: Set(foundQueues), policy: await state.consumerPolicy)
        }
    }

    /// Rescans runtimes every `rescan_interval`, advertises every `advert_interval` and on change.
    func housekeepingLoop(_ session: Session) async {
        session.queueSearchSink.yield()
        await publishAdvert(session)
        var lastAdvert = ContinuousClock.now
        let advertEvery = Duration.milliseconds(Int64(config.advertInterval.seconds * 1000))
        let tick = Duration.milliseconds(Int64(min(config.rescanInterval.seconds, config.advertInterval.seconds) * 1000))
        for await _ in AsyncTimerSequence(interval: tick, clock: .continuous) {
            var changed = false
            if inventory.rescan() {
                logger.info("runtimes changed", metadata: ["runtimes": "\(inventory.runtimes.map(\.descriptor.id))"])
                changed = true
            }
            // Also retries consumers that failed to start, and looks for queues of new runtimes.
            session.reconcileSink.yield()
            session.queueSearchSink.yield()
            if changed || ContinuousClock.now - lastAdvert >= advertEvery {
                await publishAdvert(session)
                lastAdvert = .now
            }
        }
    }

    /// On a lost connection every delivery we hold is stale: kill those jobs (the broker redelivers them).
    func connectionLoop(_ session: Session) async {
        for await event in session.connection.events {
            switch event {
            case .disconnected(let reason):
                let handles = await state.allHandles
                logger.warning(
                    "broker connection lost; killing jobs whose deliveries are now stale",
                    metadata: ["reason": "\(reason)", "jobs": "\(handles.map(\.jobID))"])
                for handle in handles { handle.stop(.connectionLost) }
                for work in await state.takeHeld() { await session.consumers.settled(work.delivery.consumerTag) }
            case .reconnected(let generation):
                logger.info("broker connection restored", metadata: ["generation": "\(generation)"])
                session.reconcileSink.yield()
                session.queueSearchSink.yield()
            case .closed:
                return
            }
        }
    }

    /// Graceful shutdown: stop consuming, hand back held deliveries, let jobs finish up to the grace
    /// period, then kill and hand back the rest, and advertise `offline`.
    func shutdown(_ session: Session) async {
        let running = await state.runningJobIDs
        logger.info("shutting down: no new jobs", metadata: ["running": "\(running)"])
        await state.setMode(.stopping)
        session.reconcileSink.yield()
        // Held deliveries hold no slot: handing them back frees none.
        for work in await state.takeHeld() {
            try? await session.jobChannel.nack(work.delivery, requeue: true)
            await session.consumers.settled(work.delivery.consumerTag)
        }
        await publishAdvert(session)
        let graceEnd = ContinuousClock.now + .milliseconds(Int64(config.drainGracePeriod.seconds * 1000))
        while await state.busySlots > 0, ContinuousClock.now < graceEnd {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = await state.allHandles
        if !remaining.isEmpty {
            logger.warning("grace period over: killing and handing back jobs", metadata: ["jobs": "\(remaining.map(\.jobID))"])
            for handle in remaining { handle.stop(.shutdown) }
        }
        let killEnd = ContinuousClock.now + .seconds(30)
        while await state.busySlots > 0, ContinuousClock.now < killEnd {
            try? await Task.sleep(for: .milliseconds(50))
        }
        await publishAdvert(session, status: .offline)
        if await state.busySlots == 0 { session.runner.cgroups?.removeEmptyParents() }
        session.jobSink.finish()
        await session.consumers.finish()
        session.reconcileSink.finish()
        session.queueSearchSink.finish()
    }

    func publishAdvert(_ session: Session, status: WorkerAdvert.Status? = nil) async {
        let mode = await state.mode
        let memory = HostInfo.memory
        var advert = WorkerAdvert(
            workerID: config.workerID, hostname: HostInfo.hostname, arch: arch, kernel: HostInfo.kernel,
            cgroupMode: session.runner.cgroups?.mode.rawValue ?? "none",
            status: status ?? (mode == .online ? .online : .draining),
            runtimes: inventory.runtimes.map(\.descriptor), queues: foundQueues,
            slotsTotal: config.slots, slotsFree: max(0, await state.freeSlots),
            memoryTotal: memory.total, memoryAvailable: memory.available, load1: HostInfo.load1,
            version: WorkerVersion.current, time: Clock.now, interval: config.advertInterval.seconds,
            runningJobs: await state.runningJobIDs, metrics: await state.metrics)
        advert.maxLimits = config.maxLimits
        advert.networks = config.network.modes
        do {
            try await session.publishChannel.publish(
                Envelope.encode(advert), exchange: Topology.eventsExchange,
                routingKey: Topology.advertRoutingKey(workerID: config.workerID),
                properties: Envelope.properties(type: MessageType.workerAdvert, persistent: false))
        } catch {
            logger.warning("cannot publish advert", metadata: ["error": "\(error)"])
        }
    }

    /// The queues this worker consumes when it has free slots: only those it found, so nobody routes
    /// to a queue on the strength of an advert before the queue exists.
    var foundQueues: [String] {
        let found = foundTargets.withLock { $0 }
        return targets.filter { found.contains($0) }.map(Topology.jobQueue(target:))
    }
}
