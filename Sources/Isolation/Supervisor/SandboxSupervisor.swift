import CIsolation
import Synchronization
import SystemCalls
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One thread per worker process watches every running sandbox: epoll over each init's pidfd
/// (readable = exited; it is then reaped without blocking) and its two non-blocking output pipes.
/// A job whose output buffer is full has its pipes taken out of epoll until the consumer takes a
/// chunk, so it blocks on its own pipe while the loop keeps serving every other job.
final class SandboxSupervisor: Sendable {
    let epoll: Int32
    /// Wakes the loop to put paused pipes back into epoll (`resumeRequests`).
    let wakeup: Int32
    /// Every supervised job by id; the lock also guards the jobs' mutable fields.
    let jobs = Mutex<[UInt64: SupervisedJob]>([:])
    let nextID = Atomic<UInt64>(1)
    /// Jobs whose consumer made room: their pipes go back into epoll on the next wake-up.
    let resumeRequests = Mutex<[UInt64]>([])

    static let wakeupToken: UInt64 = 3  // id 0 is never a job's
    static let readSize = 256 << 10
    private static let instance = Mutex<SandboxSupervisor?>(nil)

    /// The process's supervisor, started by the first job.
    static func shared() throws(SandboxError) -> SandboxSupervisor {
        try instance.withLock { (instance: inout SandboxSupervisor?) throws(SandboxError) -> SandboxSupervisor in
            if let instance { return instance }
            let made = try SandboxSupervisor()
            instance = made
            return made
        }
    }

    private init() throws(SandboxError) {
        let epoll = try System.call("epoll_create1") { joblet_epoll_create() }
        let wakeup: Int32
        do {
            wakeup = try System.call("eventfd") { joblet_eventfd() }
            try System.call("epoll_ctl") { joblet_epoll_watch(epoll, wakeup, Self.wakeupToken) }
        } catch {
            System.close(epoll)
            throw error
        }
        self.epoll = epoll
        self.wakeup = wakeup
        do {
            try DetachedThread.start(name: "joblet-sandbox") { [self] in run() }
        } catch {
            System.close(epoll)
            System.close(wakeup)
            throw SandboxError.system("pthread_create", errno: error.code)
        }
    }

    /// Called by the consumer once it made room in a paused job's buffer.
    func resumeReading(_ id: UInt64) {
        resumeRequests.withLock { $0.append(id) }
        _ = joblet_eventfd_signal(wakeup)
    }

    /// The loop: never returns. Each ready descriptor gets one step (one read of at most 256 KiB,
    /// or one reap), so a job writing fast cannot starve the others.
    private func run() {
        var tokens = [UInt64](repeating: 0, count: 64)
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        while true {
            let count = tokens.withUnsafeMutableBufferPointer { joblet_epoll_wait(epoll, $0.baseAddress, 64, -1) }
            if count < 0 {
                // Only EINTR is expected (EBADF/EINVAL would be this file's bug): do not spin on it.
                if joblet_errno() != EINTR { usleep(10_000) }
                continue
            }
            // By index, not `for token in tokens[0..<count]`: built -O (Swift 6.3.1), iterating the slice here left
            // the array's buffer retained, so the next epoll_wait copied it and leaked the old one, 544 bytes
            // per wake-up (about 8 MB of worker memory per GB of job output; Benchmarks/e2e/README.md).
            for index in 0..<Int(count) {
                let token = tokens[index]
                if token == Self.wakeupToken {
                    resumePaused()
                } else {
                    step(token, buffer: &buffer)
                }
            }
        }
    }

    private func step(_ token: UInt64, buffer: inout [UInt8]) {
        jobs.withLock { jobs in
            // A job already finished: a stale event from before its descriptor left epoll.
            guard let job = jobs[token >> 2], let slot = SupervisedJob.Slot(rawValue: token & 3) else { return }
            switch slot {
            case .pidfd: reap(job)
            case .stdout, .stderr: read(job, pipe: Int(slot.rawValue) - 1, buffer: &buffer)
            }
            if job.isDone { jobs[job.id] = nil }
        }
    }

    /// Init's pidfd is readable: publish its status, then let the executor drop the namespace.
    private func reap(_ job: SupervisedJob) {
        guard !job.reaped, job.exit.reapIfExited(beforeClose: { _ = joblet_epoll_unwatch(epoll, $0) }) else { return }
        job.reaped = true
        let namespace = job.mountNamespace
        if namespace >= 0 { BlockingExecutor.shared.execute { System.close(namespace) } }
    }

    private func read(_ job: SupervisedJob, pipe index: Int, buffer: inout [UInt8]) {
        guard let fd = job.pipes[index].fd, job.pipes[index].watching else { return }
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, Self.readSize) }
        if count > 0 {
            let kept = job.budget.take(count)
            guard kept > 0 else { return }
            let full = job.output.push(OutputChunk(stream: SupervisedJob.streams[index], bytes: Array(buffer[0..<kept])))
            if full { pause(job) }
        } else if count == 0 || (joblet_errno() != EINTR && joblet_errno() != EAGAIN) {
            close(job, pipe: index)
        }
    }

    /// The job's buffer is full: stop reading it until its consumer takes a chunk.
    private func pause(_ job: SupervisedJob) {
        for index in 0..<2 { job.pipes[index].unwatch(epoll: epoll) }
    }

    /// End of file (or a read error) on one pipe; the stream ends with the second.
    func close(_ job: SupervisedJob, pipe index: Int) {
        guard job.pipes[index].close(epoll: epoll) else { return }
        if !job.pipes.contains(where: \.isOpen) { job.output.finish(droppedBytes: job.budget.dropped) }
    }

    /// Puts the pipes of jobs whose consumer made room back into epoll.
    private func resumePaused() {
        _ = joblet_eventfd_drain(wakeup)
        let ids = resumeRequests.withLock { requests in
            defer { requests = [] }
            return requests
        }
        guard !ids.isEmpty else { return }
        jobs.withLock { jobs in
            for id in ids {
                guard let job = jobs[id], !job.output.isPaused else { continue }
                do throws(SandboxError) {
                    try watchPipes(job)
                } catch {
                    fail(job, error)
                    // Reaped before: no descriptor is left to bring an event that would drop it.
                    if job.isDone { jobs[id] = nil }
                }
            }
        }
    }

    /// Adds the job's open pipes that are not in epoll yet.
    func watchPipes(_ job: SupervisedJob) throws(SandboxError) {
        for index in 0..<2 {
            try job.pipes[index].watch(epoll: epoll, token: job.token(index == 0 ? .stdout : .stderr))
        }
    }

    /// The job's output cannot be read: kill it (a job must never block on a pipe nobody reads),
    /// close the pipes still open (one may have reached end of file already) and fail its stream.
    /// Its exit is still reaped.
    func fail(_ job: SupervisedJob, _ error: SandboxError) {
        job.exit.send(SIGKILL)
        for index in 0..<2 { job.pipes[index].close(epoll: epoll) }
        job.output.finish(throwing: error, droppedBytes: job.budget.dropped)
    }
}
