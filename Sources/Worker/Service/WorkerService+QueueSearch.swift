import AMQP
import JobletCore

extension WorkerService {
    /// The first wait before looking again for a queue not found, doubled up to `lastQueueRetry`: the
    /// dispatcher declares a worker's queues within moments of its first advert.
    static let firstQueueRetry = Duration.milliseconds(100)
    static let lastQueueRetry = Duration.seconds(5)

    /// Looks for the queues of targets not found yet, passively (workers may not declare job queues:
    /// the dispatcher declares those of the targets each advert calls for). Runs on request (start,
    /// rescan, reconnect, a consumer the broker ended) and again, ever less often, while any is missing.
    func queueSearchLoop(_ session: Session) async {
        var retry = Self.firstQueueRetry
        var warned = false
        for await _ in session.queueSearches {
            let known = foundTargets.withLock { $0 }
            let missing = targets.filter { !known.contains($0) }
            if missing.isEmpty {
                retry = Self.firstQueueRetry
                continue
            }
            let found = await findQueues(missing, session)
            if !found.isEmpty {
                foundTargets.withLock { $0.formUnion(found) }
                logger.info("consuming job queues", metadata: ["targets": "\(found)"])
                session.reconcileSink.yield()
                // The fleet sees the queues now rather than at the next advert interval (`rnx workers`).
                await publishAdvert(session)
            }
            guard found.count < missing.count else {
                retry = Self.firstQueueRetry
                continue
            }
            if retry == Self.lastQueueRetry, !warned {
                warned = true
                let absent = missing.filter { !found.contains($0) }
                logger.warning(
                    "job queues not declared yet: the dispatcher declares them when it sees this worker's advert (is joblet-dispatcher running, and within max_job_queues?)",
                    metadata: ["targets": "\(absent)"])
            }
            try? await Task.sleep(for: retry)
            retry = min(retry * 2, Self.lastQueueRetry)
            session.queueSearchSink.yield()
        }
    }

    /// The targets among `targets` whose queues exist. A passive declare needs no permission; a missing
    /// queue's 404 closes the channel it was asked on, so that is a channel of its own.
    func findQueues(_ targets: [String], _ session: Session) async -> [String] {
        var found: [String] = []
        var channel: AMQPChannel?
        for target in targets {
            do {
                let probe: AMQPChannel
                if let channel { probe = channel } else { probe = try await session.connection.openChannel() }
                channel = probe
                _ = try await probe.inspectQueue(Topology.jobQueue(target: target))
                found.append(target)
            } catch let error as AMQPError where error.replyCode == 404 {
                await channel?.close()
                channel = nil
            } catch {
                logger.warning("cannot look for job queues", metadata: ["error": "\(error)"])
                break
            }
        }
        await channel?.close()
        return found
    }
}
