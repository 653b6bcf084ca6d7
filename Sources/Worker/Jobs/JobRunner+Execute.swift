#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import AsyncAlgorithms
import Isolation
import JobletCore
import JobletPackages
import JobletMessaging
import Logging
import SystemCalls

extension JobRunner {
    /// Prepares the sandbox, runs it to the end and reports. Returns the job's cgroup, made even when
    /// the spawn failed, for `run` to remove with the rest of the attempt (``tearDown(jobID:cgroup:disk:)``).
    func execute(
        _ message: JobMessage, work: JobWork, attempt: Int, limits: EffectiveLimits,
        runtime: InstalledRuntime?, handle: JobHandle, disk: JobDiskAssignment, network: JobNetworkAssignment
    ) async -> JobCgroup? {
        let jobID = message.jobID
        let jobDirectory = "\(config.stateDirectory)/jobs/\(jobID)"
        let workDirectory = disk.disk?.workDirectory ?? jobDirectory + "/work"
        var cgroup: JobCgroup?
        let startedAt = Clock.now
        // `running` goes out before the first log chunk or after one flush interval, whichever comes
        // first; a job that ends sooner is reported by its terminal event alone (RunningNotice).
        let running = RunningNotice { [self] in
            try startPublish(
                JobEvent(jobID: jobID, state: .running, time: Clock.now, workerID: workerID, attempt: attempt),
                submitter: message.submitter)
        }
        let streamer = LogStreamer(
            jobID: jobID, submitter: message.submitter, channel: publishChannel, chunkBytes: Int(config.logChunkBytes.bytes),
            running: running, logger: logger)

        // Setup failures are the job's fault or the host's; either way the attempt ends as `failed`.
        let process: SandboxProcess
        do {
            try disk.check()
            try network.check()
            let cache = await packageCache(for: message, runtime: runtime)
            let volumeSources = try await volumeSources(message.volumes ?? [], cache: cache)
            var plan = SandboxPlan(
                jobID: jobID, argv: message.request.command,
                environment: packageCacheEnvironment(
                    environment(for: message, runtime: runtime), cache: cache,
                    runtime: runtime, request: message.request),
                hostname: "job-\(JobID.short(jobID))", workDirectory: workDirectory)
            plan.uid = handle.user.uid
            plan.gid = handle.user.gid
            plan.runtimeMounts = runtime?.mounts ?? []
            plan.tmpDirectory = disk.disk?.tmpDirectory
            plan.network = network.lease
            plan.outputLimit = limits.limits.output?.bytes
            // Everything that blocks before the job runs, in one trip to the blocking executor (each trip
            // is two thread switches), never on the cooperative pool: the directories and the upload, the
            // volumes' idmapped mounts, the cgroup and the spawn (until the command execs). The cgroup
            // comes back even when the spawn fails: `run` removes it.
            let unspawned = plan
            let resources = limits.resourceLimits
            let upload = message.request.upload
            let (created, spawned) = try await BlockingExecutor.shared.run { [self, cgroups] in
                if let jobDisk = disk.disk {
                    try prepareDisk(jobDisk, upload: upload, user: handle.user)
                } else {
                    try prepareWorkDirectory(jobDirectory: jobDirectory, workDirectory: workDirectory, upload: upload, user: handle.user)
                }
                var plan = unspawned
                plan.volumes = try stageVolumes(volumeSources, jobID: jobID, user: handle.user)
                let created = try cgroups?.createJobCgroup(jobID: jobID, limits: resources, ioPath: workDirectory)
                plan.cgroup = created
                return (created, Result { try spawn(plan, stagedFor: jobID) })
            }
            cgroup = created
            process = try spawned.get()
        } catch {
            let reason = Self.describe(error)
            logger.info("job failed before it started", metadata: ["job": "\(jobID)", "reason": "\(reason)"])
            // The attempt did start here: the reason's chunk announces `running`, which makes this
            // worker the job's holder, whose result alone the dispatcher believes.
            await streamer.append(stream: "stderr", bytes: Array((reason + "\n").utf8))
            await streamer.drain()
            let result = JobResult(
                exitCode: nil, reason: reason.hasPrefix("command not found") ? "spawn_failed: \(reason)" : reason,
                startedAt: startedAt, finishedAt: Clock.now, workerID: workerID, attempt: attempt,
                logChunks: await streamer.chunkCount, unenforcedLimits: unenforcedLimits(cgroup, disk),
                limits: limits.limits)
            await state.recordFinished(failed: true)
            await finish(
                JobEvent(
                    jobID: jobID, state: .failed, time: Clock.now, workerID: workerID, attempt: attempt,
                    reason: result.reason, result: result, impliesRunning: running.endUnannounced()),
                submitter: message.submitter, delivery: work.delivery)
            return cgroup
        }
        handle.attach(process: process, cgroup: cgroup)
        await state.recordStarted(latencyMs: (ContinuousClock.now - work.receivedAt).fractionalMilliseconds)

        let status = await superviseRun(
            process, streamer: streamer, running: running, timeout: limits.limits.timeout, handle: handle)
        await checkRunning(running, handle: handle)
        let droppedOutput = process.droppedOutputBytes
        if droppedOutput > 0 {
            await streamer.appendTruncationNote(dropped: droppedOutput, limit: limits.limits.output)
        }
        // A handful of cgroupfs reads: kernfs answers from memory and never waits, so no trip to the executor.
        let usage = try? cgroup?.usage()
        let finishedAt = Clock.now

        switch handle.stopReason {
        case .connectionLost?:
            logger.info("job killed: its delivery is stale and will be redelivered", metadata: ["job": "\(jobID)"])
            await state.recordFinished(failed: true)
            return cgroup
        case .shutdown?:
            logger.info("job handed back at shutdown", metadata: ["job": "\(jobID)"])
            await state.recordFinished(failed: true)
            await settle(work.delivery) { try await jobChannel.nack(work.delivery, requeue: true) }
            return cgroup
        default:
            break
        }

        let oomKilled = usage?.oomKilled ?? false
        let finalState: JobState
        var reason: String?
        switch handle.stopReason {
        case .cancelled?: finalState = .cancelled; reason = "cancelled"
        case .timedOut?: finalState = .timedOut; reason = "timeout"
        default:
            if oomKilled {
                finalState = .failed; reason = "oom_killed"
            } else if status == .exited(0) {
                finalState = .completed
            } else if disk.isFull {
                finalState = .failed; reason = JobDiskAssignment.reason
            } else {
                finalState = .failed
            }
        }
        var signal: Int32?
        if case .signaled(let number) = status { signal = number }
        let accounting = usage.map {
            Accounting(
                cpuUsec: $0.cpuUsageUsec, userUsec: $0.userUsec, systemUsec: $0.systemUsec,
                memoryPeakBytes: $0.memoryPeakBytes, pidsPeak: $0.pidsPeak,
                pidsLimitHits: $0.pidsLimitHits.flatMap { $0 > 0 ? $0 : nil })
        }
        let result = JobResult(
            exitCode: status.code, signal: signal, oomKilled: oomKilled, reason: reason,
            startedAt: startedAt, finishedAt: finishedAt, accounting: accounting,
            workerID: workerID, attempt: attempt, logChunks: await streamer.chunkCount,
            unenforcedLimits: unenforcedLimits(cgroup, disk), limits: limits.limits,
            outputDroppedBytes: droppedOutput > 0 ? droppedOutput : nil)
        await state.recordFinished(failed: finalState != .completed)
        await finish(
            JobEvent(
                jobID: jobID, state: finalState, time: finishedAt, workerID: workerID, attempt: attempt,
                reason: reason, result: result, impliesRunning: running.endUnannounced()),
            submitter: message.submitter, delivery: work.delivery)
        return cgroup
    }

    /// Waits for the confirm of an announced `running`; stops the job if it failed.
    private func checkRunning(_ running: RunningNotice, handle: JobHandle) async {
        do { try await running.confirmed() } catch { stopUnannounced(handle, error) }
    }

    /// A `running` that failed: nobody knows the job runs and the delivery will come back, so it must not
    /// run on (twice).
    private func stopUnannounced(_ handle: JobHandle, _ error: any Error) {
        guard handle.stopReason == nil else { return }
        logger.warning("could not publish running; stopping the job", metadata: ["job": "\(handle.jobID)", "error": "\(error)"])
        handle.stop(.connectionLost)
    }

    /// Publishes the terminal event and acks only once the broker confirmed it.
    private func finish(_ event: JobEvent, submitter: String, delivery: Delivery) async {
        do {
            try await publish(event, submitter: submitter)
        } catch {
            logger.warning("could not report the result; the job will be redelivered", metadata: ["job": "\(event.jobID)", "error": "\(error)"])
            return
        }
        if await settle(delivery, { try await jobChannel.ack(delivery) }) {
            logger.info("job finished", metadata: ["job": "\(event.jobID)", "state": "\(event.state.rawValue)"])
        }
    }

    /// Streams output while waiting for the exit, enforcing the timeout; returns after every byte is published.
    private func superviseRun(
        _ process: SandboxProcess, streamer: LogStreamer, running: RunningNotice, timeout: JobDuration?,
        handle: JobHandle
    ) async -> ExitStatus {
        let interval = Duration.milliseconds(Int64(config.logFlushInterval.seconds * 1000))
        enum Event: Sendable { case exited(ExitStatus), outputDone, timerDone }
        return await withTaskGroup(of: Event.self) { group in
            // Reader: stops reading while a publish is pending, which blocks the job on its pipe.
            group.addTask {
                do {
                    for try await chunk in process.output {
                        await streamer.append(stream: chunk.stream.rawValue, bytes: chunk.bytes)
                    }
                } catch {
                    logger.warning("reading job output failed", metadata: ["job": "\(handle.jobID)", "error": "\(error)"])
                }
                await streamer.drain()
                return .outputDone
            }
            group.addTask { .exited(await process.wait()) }
            // Flush ticker and `running` after the first interval; it ends when the group is cancelled
            // (the job exited and its output is drained).
            group.addTask {
                for await _ in AsyncTimerSequence(interval: interval, clock: .continuous) {
                    // Never waits for the confirm here: a broker that withholds it must not hold up the
                    // flush (the end of the job waits for it, `checkRunning`).
                    running.announce()
                    if let error = running.failure { stopUnannounced(handle, error) }
                    await streamer.flushIfDue(interval: interval)
                }
                return .timerDone
            }
            // The timeout in a task of its own: a flush waits for the broker's confirms once a window
            // of chunks is out, and a stalled broker must not let the job run past its limit. Cut short by
            // the job's end almost always, so its timer must go then (CancellableSleep), not at the deadline.
            if let timeout {
                group.addTask {
                    try? await CancellableSleep.sleep(for: .milliseconds(Int64(timeout.seconds * 1000)))
                    if !Task.isCancelled, handle.stopReason == nil { handle.stop(.timedOut) }
                    return .timerDone
                }
            }
            var status: ExitStatus = .exited(-1)
            var exited = false
            var outputDone = false
            for await event in group {
                switch event {
                case .exited(let value): status = value; exited = true
                case .outputDone: outputDone = true
                case .timerDone: break
                }
                if exited && outputDone { break }
            }
            group.cancelAll()
            return status
        }
    }

    private func prepareWorkDirectory(jobDirectory: String, workDirectory: String, upload: JobUpload?, user: JobUser) throws {
        // A leftover from an earlier attempt of the same job on this worker (normally long gone).
        try TreeRemoval.remove(jobDirectory)
        try FileSystem.makeDirectories(config.stateDirectory + "/jobs", mode: 0o711)
        try FileSystem.call("mkdir", jobDirectory) { mkdir(jobDirectory, 0o711) }
        if let upload {
            do {
                _ = try ArchiveExtractor.extract(
                    bytes: upload.archiveBytes(), to: workDirectory,
                    owner: user.owner)
            } catch let error as JobletError {
                throw WorkerError(.io, "upload: \(error.message)")
            }
            if !FileSystem.exists(workDirectory) {
                try FileSystem.call("mkdir", workDirectory) { mkdir(workDirectory, 0o755) }
            }
        } else {
            try FileSystem.call("mkdir", workDirectory) { mkdir(workDirectory, 0o755) }
        }
        try FileSystem.chown(workDirectory, uid: user.uid, gid: user.gid)
    }

    /// Runtime env (PATH_PREPEND merged) + job env + JOB_ID; nothing from the worker's own environment.
    func environment(for message: JobMessage, runtime: InstalledRuntime?) -> [String: String] {
        var environment = runtime?.environment ?? ["PATH": RuntimeInventory.basePATH]
        for (key, value) in message.request.env ?? [:] { environment[key] = value }
        environment["JOB_ID"] = message.jobID
        return environment
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as SandboxError: return error.message
        case let error as CgroupError: return error.message
        case let error as WorkerError: return error.message
        case let error as JobletError: return error.message
        default: return "\(error)"
        }
    }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
