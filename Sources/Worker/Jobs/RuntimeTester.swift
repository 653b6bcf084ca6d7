#if canImport(Glibc)
    import Glibc
#endif
import Isolation
import JobletCore
import JobletMessaging
import Logging
import Synchronization
import SystemCalls

/// Runs a runtime's `test` command in a real sandbox with only that runtime mounted.
struct RuntimeTester: Sendable {
    let config: WorkerConfig
    let logger: Logger

    static let outputLimit = 64 << 10
    /// Smoke tests run the operator's own `test` command (runtime.yml), as nobody: never a job's uid.
    static let uid: UInt32 = 65534

    func test(_ runtime: InstalledRuntime) async -> RuntimeTestReport {
        let id = JobID.generate()
        let directory = "\(config.stateDirectory)/jobs/\(id)"
        let report = await test(runtime, id: id, directory: directory)
        // The test command wrote there like any job: removed the same way, off the cooperative pool.
        do { try await TreeRemoval.removeOnBlockingExecutor(directory) } catch {
            logger.warning("runtime test dir cleanup failed", metadata: ["runtime": "\(runtime.descriptor.id)", "error": "\(error)"])
        }
        return report
    }

    private func test(_ runtime: InstalledRuntime, id: String, directory: String) async -> RuntimeTestReport {
        let started = ContinuousClock.now
        func report(passed: Bool, exitCode: Int32?, output: String) -> RuntimeTestReport {
            RuntimeTestReport(
                workerID: config.workerID, runtimeID: runtime.descriptor.id, passed: passed,
                exitCode: exitCode, output: output, durationSeconds: (ContinuousClock.now - started).fractionalMilliseconds / 1000)
        }
        guard let argv = runtime.testCommand, !argv.isEmpty else {
            return report(passed: false, exitCode: nil, output: "runtime \(runtime.descriptor.id) has no test command in runtime.yml")
        }
        let process: SandboxProcess
        do {
            try FileSystem.makeDirectories(directory + "/work", mode: 0o711)
            try FileSystem.chown(directory + "/work", uid: Self.uid, gid: Self.uid)
            var plan = SandboxPlan(
                jobID: id, argv: argv, environment: runtime.environment.merging(["JOB_ID": id]) { $1 },
                hostname: "job-\(JobID.short(id))", workDirectory: directory + "/work")
            plan.uid = Self.uid
            plan.gid = Self.uid
            plan.runtimeMounts = runtime.mounts
            process = try Sandbox.spawn(plan)
        } catch {
            return report(passed: false, exitCode: nil, output: JobRunner.describe(error))
        }
        // A hung smoke test is killed at the timeout, so it cannot hold the control loop or a sandbox forever.
        let timeout = Duration.milliseconds(Int64(config.runtimeTestTimeout.seconds * 1000))
        let (output, status, timedOut) = await withTaskGroup(of: Void.self) { group in
            let timedOut = Mutex(false)
            group.addTask {
                do { try await CancellableSleep.sleep(for: timeout) } catch { return }
                timedOut.withLock { $0 = true }
                process.kill()
            }
            var output: [UInt8] = []
            do {
                for try await chunk in process.output where output.count < Self.outputLimit {
                    output.append(contentsOf: chunk.bytes.prefix(Self.outputLimit - output.count))
                }
            } catch {
                logger.warning("runtime test output failed", metadata: ["error": "\(error)"])
            }
            let status = await process.wait()
            group.cancelAll()
            return (output, status, timedOut.withLock { $0 })
        }
        var text = String(decoding: output, as: UTF8.self)
        if timedOut {
            text += "\nruntime test timed out after \(config.runtimeTestTimeout) and was killed"
        }
        return report(passed: !timedOut && status == .exited(0), exitCode: status.code, output: text)
    }
}
