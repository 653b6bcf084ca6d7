import Isolation
import Synchronization
import SystemCalls

/// Why a running job is being stopped by the worker rather than ending on its own.
enum StopReason: Sendable, Equatable {
    /// A `cancel` control command: the result is published as `cancelled`.
    case cancelled
    /// The job's timeout passed: published as `timed_out`.
    case timedOut
    /// The channel holding the delivery was lost: the broker redelivers it, nothing is published.
    case connectionLost
    /// Worker shutdown after the grace period: the delivery is handed back (nack, requeue).
    case shutdown
}

/// One running job as the rest of the worker sees it: something that can be stopped from any task.
final class JobHandle: Sendable {
    let jobID: String
    /// The uid (and gid) the job runs as, its own while it runs.
    let user: JobUser

    private struct State {
        var process: SandboxProcess?
        var cgroup: JobCgroup?
        var stopReason: StopReason?
    }
    private let state = Mutex(State())

    init(jobID: String, user: JobUser) {
        self.jobID = jobID
        self.user = user
    }

    var stopReason: StopReason? { state.withLock { $0.stopReason } }

    /// Makes the process killable; kills it at once when a stop was requested before it existed.
    func attach(process: SandboxProcess, cgroup: JobCgroup?) {
        let pendingStop = state.withLock { state -> Bool in
            state.process = process
            state.cgroup = cgroup
            return state.stopReason != nil
        }
        if pendingStop { kill(process: process, cgroup: cgroup) }
    }

    /// Records the first reason and kills the whole tree; later reasons do not overwrite it.
    func stop(_ reason: StopReason) {
        let target = state.withLock { state -> (SandboxProcess?, JobCgroup?) in
            if state.stopReason == nil { state.stopReason = reason }
            return (state.process, state.cgroup)
        }
        if let process = target.0 { kill(process: process, cgroup: target.1) }
    }

    /// Queued on the blocking executor, never run by the caller: stops come from the cooperative pool
    /// (the timeout, a cancel command), and a v1 cgroup kill freezes and polls until the cgroup is empty.
    private func kill(process: SandboxProcess, cgroup: JobCgroup?) {
        BlockingExecutor.shared.execute {
            // The cgroup kill reaches processes that escaped the sandbox's init; the init kill ends the pid namespace.
            try? cgroup?.kill()
            process.kill()
        }
    }
}
