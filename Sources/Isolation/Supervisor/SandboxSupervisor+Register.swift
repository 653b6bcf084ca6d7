import CIsolation
import SystemCalls
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension SandboxSupervisor {
    /// Hands a just-started sandbox to the supervisor (started on first use). epoll_ctl is safe
    /// from any thread and a new descriptor's readiness wakes epoll_wait by itself, so the caller
    /// registers directly, under the job table's lock (the loop cannot touch the job meanwhile).
    ///
    /// Throws when init cannot be watched: the job is then killed, reaped and its descriptors
    /// closed. When only its pipes cannot be, it is killed and its output stream fails.
    static func supervise(
        pid: Int32, pidfd: Int32, mountNamespace: Int32, stdout: Int32, stderr: Int32,
        outputLimit: Int64?, bufferLimit: Int, bufferChunks: Int
    ) throws(SandboxError)
        -> (SandboxExit, SandboxOutput)
    {
        let exit = SandboxExit(pidfd: pidfd)
        let supervisor: SandboxSupervisor
        do {
            supervisor = try shared()
        } catch {
            abandon(exit, fds: [stdout, stderr, mountNamespace])
            throw error
        }
        let id = supervisor.nextID.add(1, ordering: .relaxed).oldValue
        let output = SandboxOutput(limitBytes: bufferLimit, limitChunks: bufferChunks) { [supervisor] in
            supervisor.resumeReading(id)
        }
        let job = SupervisedJob(
            id: id, pidfd: pidfd, mountNamespace: mountNamespace, stdout: stdout, stderr: stderr,
            outputLimit: outputLimit, exit: exit, output: output)
        let failure: SandboxError? = supervisor.jobs.withLock { jobs in
            do throws(SandboxError) {
                try System.call("epoll_ctl") { joblet_epoll_watch(supervisor.epoll, pidfd, job.token(.pidfd)) }
            } catch {
                // Never registered: the job's pipes close here, through the type that owns them.
                for index in 0..<2 { job.pipes[index].close(epoll: supervisor.epoll) }
                return error
            }
            jobs[id] = job
            do throws(SandboxError) {
                try System.call("fcntl O_NONBLOCK") { joblet_set_nonblocking(stdout) }
                try System.call("fcntl O_NONBLOCK") { joblet_set_nonblocking(stderr) }
                try supervisor.watchPipes(job)
            } catch {
                supervisor.fail(job, error)
            }
            return nil
        }
        if let failure {
            abandon(exit, fds: [mountNamespace])
            throw failure
        }
        return (exit, output)
    }

    /// Kills and reaps a job the supervisor could not take, and closes its descriptors.
    private static func abandon(_ exit: SandboxExit, fds: [Int32]) {
        exit.send(SIGKILL)
        exit.reapBlocking()
        for fd in fds { System.close(fd) }
    }
}
