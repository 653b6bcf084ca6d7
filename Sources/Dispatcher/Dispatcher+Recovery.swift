import AMQP
import JobletCore
import JobletMessaging
import Logging

extension Dispatcher {
    /// Routes the jobs a previous run stored but never recorded as routed: the store is written
    /// before the job is published, so after a crash it holds every job the broker may lack.
    /// Publishing again may deliver a job id a second time (when the crash came after the broker's
    /// confirm); `handleEvent` cancels such a second copy once the job has ended (see PROTOCOL.md).
    /// Runs before submissions are consumed, so a redelivered submission finds its job routed.
    @discardableResult
    public func routeStoredJobs(on channel: AMQPChannel) async throws -> Int {
        var routed = 0
        for job in try await store.unroutedJobs() {
            guard let message = try await store.message(jobID: job.jobID, maxAttempts: config.maxAttempts) else { continue }
            do {
                try await publish(message, target: job.target, on: channel)
            } catch let error as AMQPError where error.code == .returned || error.code == .nacked {
                let reason = "the broker refused the job when it was routed again after a restart: \(error.message)"
                if try await store.mark(jobID: job.jobID, .rejected, reason: reason, time: Clock.now, allowedFrom: [.queued]) {
                    await publishEvent(JobEvent(jobID: job.jobID, state: .rejected, time: Clock.now, reason: reason), submitter: job.submitter, on: channel)
                }
                continue
            }
            try await store.markRouted(jobID: job.jobID)
            await publishEvent(JobEvent(jobID: job.jobID, state: .queued, time: message.submittedAt), submitter: job.submitter, on: channel)
            logger.info("stored job routed after a restart", metadata: ["job": "\(job.jobID)", "target": "\(job.target)"])
            routed += 1
        }
        return routed
    }
}
