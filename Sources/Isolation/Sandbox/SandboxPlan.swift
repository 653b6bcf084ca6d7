/// Everything needed to start one job in a sandbox.
public struct SandboxPlan: Sendable {
    public var jobID: String
    /// The command; `argv[0]` is looked up in the sandbox's `PATH` (from ``environment``).
    public var argv: [String]
    /// The complete job environment (the caller scrubs and merges). The sandbox adds
    /// `HOME=/work`, `TERM=dumb`, a default `PATH` and `JOB_ID` when they are absent.
    public var environment: [String: String]
    /// The sandbox's host name, e.g. `job-1a2b3c4d`.
    public var hostname: String
    public var uid: UInt32 = 65534
    public var gid: UInt32 = 65534
    /// Host directory already holding the uploads, owned by ``uid``; mounted read-write at `/work` (the cwd).
    public var workDirectory: String
    /// Runtime directories: host source -> target inside, read-only unless stated.
    public var runtimeMounts: [MountSpec] = []
    /// Volumes under `/volumes/<name>`, each read-write or read-only.
    public var volumes: [VolumeMount] = []
    /// Size of the `/tmp` tmpfs.
    public var tmpSizeBytes: Int64 = 256 << 20
    /// Host directory mounted read-write at `/tmp` instead of a tmpfs (the job's disk, so `/tmp`
    /// counts against its disk limit, not its memory).
    public var tmpDirectory: String? = nil
    /// `RLIMIT_NOFILE` of the job.
    public var maxOpenFiles: UInt64 = 1024
    /// Output bytes (stdout and stderr together) delivered through ``SandboxProcess/output``; the
    /// rest is read and dropped (``SandboxProcess/droppedOutputBytes``). nil: no limit.
    public var outputLimit: Int64? = nil
    /// Attached after clone, before the child is released, so no job code runs outside it.
    public var cgroup: (any CgroupAttachment)? = nil
    /// Attached after the cgroup, before the child is released; nil: loopback only.
    public var network: (any NetworkAttachment)? = nil

    public init(
        jobID: String, argv: [String], environment: [String: String], hostname: String,
        workDirectory: String
    ) {
        self.jobID = jobID
        self.argv = argv
        self.environment = environment
        self.hostname = hostname
        self.workDirectory = workDirectory
    }
}
