/// An order to workers: `joblet.control.v1` on `joblet.control`, routing key `worker.<id>` or `worker.all`.
public struct ControlCommand: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Kill a running job (`job_id`); its result is published as `cancelled`.
        case cancel
        /// Stop taking jobs, finish the running ones.
        case drain
        /// Take jobs again after a drain.
        case resume
        /// Rescan the runtime directory now.
        case rescan
        /// Run the runtime's smoke test (`runtime`) in a real sandbox and reply to `reply_to`.
        case runtimeTest = "runtime_test"
        /// Delete volume `volume` of `owner` from the host (`worker.all`): it was removed.
        case volumeRemove = "volume_remove"
        /// Fetch the package `deploy` describes from its stream queue, verify, install, advertise,
        /// and report (`RuntimeDeployReport`) to `reply_to`.
        case runtimeDeploy = "runtime_deploy"
        /// Remove the installed runtime `runtime` and report to `reply_to`.
        case runtimeRemove = "runtime_remove"
    }

    /// What to do; the other fields are the arguments of that command.
    public var command: Kind
    /// cancel: the job to kill.
    public var jobID: String?
    /// runtime_test: the runtime id to test; runtime_remove: the runtime name to remove.
    public var runtime: String?
    /// volume_remove: the volume's owner.
    public var owner: String?
    /// volume_remove: the volume's name.
    public var volume: String?
    /// runtime_deploy: what to fetch.
    public var deploy: RuntimeDeployOrder?

    public init(command: Kind, jobID: String? = nil, runtime: String? = nil, deploy: RuntimeDeployOrder? = nil) {
        self.command = command
        self.jobID = jobID
        self.runtime = runtime
        self.deploy = deploy
    }

    enum CodingKeys: String, CodingKey { case command, jobID = "job_id", runtime, owner, volume, deploy }
}

/// A worker's answer to `runtime_test`.
public struct RuntimeTestReport: Sendable, Equatable, Codable {
    /// The worker that ran the test.
    public var workerID: String
    /// The runtime tested.
    public var runtimeID: String
    /// True when the test command exited 0 within the worker's `runtime_test_timeout`.
    public var passed: Bool
    /// The test command's exit status (128+signal when killed); nil when it never ran.
    public var exitCode: Int32?
    /// Its stdout and stderr (the first 64 KiB), or why it could not run.
    public var output: String
    /// How long the test took, in seconds.
    public var durationSeconds: Double

    public init(workerID: String, runtimeID: String, passed: Bool, exitCode: Int32?, output: String, durationSeconds: Double) {
        self.workerID = workerID
        self.runtimeID = runtimeID
        self.passed = passed
        self.exitCode = exitCode
        self.output = output
        self.durationSeconds = durationSeconds
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id", runtimeID = "runtime_id", passed, exitCode = "exit_code", output
        case durationSeconds = "duration_seconds"
    }
}
