import AMQP
import JobletCore
import JobletMessaging
import Logging

extension Dispatcher {
    /// Marks queued jobs whose target has had no live worker for `unschedulable_after` as
    /// `unschedulable` (with the reason). Their message stays queued: a worker that comes back runs it
    /// and the job moves on to `running`.
    @discardableResult
    public func sweepUnschedulable(on channel: AMQPChannel) async throws -> Int {
        let now = Clock.now
        let wait = config.unschedulableAfter.seconds
        var marked = 0
        for job in try await store.queuedJobs() {
            let seen = registry.lastSeen(target: job.target, now: now) ?? 0
            let since = max(seen, startedAt, job.submittedAt)
            guard now - since > wait else { continue }
            let reason = "no live worker for \(job.target) for \(JobDuration(seconds: wait.rounded()))"
            if try await store.mark(jobID: job.jobID, .unschedulable, reason: reason, time: now, allowedFrom: [.queued]) {
                marked += 1
                logger.warning("job unschedulable", metadata: ["job": "\(job.jobID)", "reason": "\(reason)"])
                await publishEvent(JobEvent(jobID: job.jobID, state: .unschedulable, time: now, reason: reason), submitter: job.submitter, on: channel)
            }
        }
        return marked
    }
}
