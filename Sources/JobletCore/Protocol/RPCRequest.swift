/// A query to the dispatcher: `joblet.rpc.request.v1` on the `joblet.rpc` queue, answered over
/// direct reply-to with an `RPCResponse`.
public struct RPCRequest: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable {
        case status, list, logs, workers, runtimes, cancel, delete
        /// Admins: take `worker` (an id, or `all`) out of scheduling, or put it back.
        case drain, resume
        /// Run `runtime`'s smoke test on `worker` (or every worker offering it); the workers answer
        /// `RuntimeTestReport`s, which the dispatcher passes on to the request's reply_to.
        case runtimeTest = "runtime_test"
        /// Readers and admins: refusal counters (messages refused for their sender), per kind.
        case stats
        /// Volumes: create, list, remove, share and unshare the caller's own (admins: anybody's).
        case volumeCreate = "volume_create", volumeList = "volume_list", volumeRemove = "volume_remove"
        case volumeShare = "volume_share", volumeUnshare = "volume_unshare"
        /// Named networks: create, list and remove the caller's own (admins: anybody's, `OWNER/NAME`).
        case networkCreate = "network_create", networkList = "network_list", networkRemove = "network_remove"
        /// Admins: send `deploy` (a package in a stream queue) to `workers` (ids, or absent/`all`)
        /// of `arch`; or remove `runtime` from them. Their reports are passed on to the reply_to.
        case runtimeDeploy = "runtime_deploy", runtimeRemove = "runtime_remove"
        /// The package is complete in its stream: the dispatcher keeps it as the workers' desired runtime.
        case runtimeCommit = "runtime_commit"
        /// Per worker, whether each desired runtime is installed, pending or failed.
        case runtimeStatus = "runtime_status"
    }

    /// The query; which other fields it reads is documented on each.
    public var method: Method
    /// A full job id or a unique prefix of one (status, logs, cancel, delete).
    public var jobID: String?
    /// list: filters and paging.
    public var state: JobState?
    /// list: a spec as submitted or a runtime id; runtime_test: the runtime id; runtime_remove: the name.
    public var runtime: String?
    /// list: a worker id; drain/resume: a worker id or `all`; runtime_test: only this worker.
    public var worker: String?
    /// list (readers and admins) and delete with `before` (admins): only this submitter's jobs; others
    /// always get their own.
    public var submitter: String?
    /// list: jobs submitted at or after this time (seconds since the epoch); delete: jobs finished before it.
    public var since: Double?
    /// delete: terminal jobs finished before this time (seconds since the epoch), instead of a `job_id`.
    public var before: Double?
    /// list: at most this many jobs (default 100, at most 10,000).
    public var limit: Int?
    /// list: jobs to skip, for paging.
    public var offset: Int?
    /// logs: first sequence number wanted.
    public var sinceSeq: UInt64?
    /// volume_*: the volume (`NAME`, or `OWNER/NAME` for admins), its size (create), and the user
    /// it is shared with or unshared from (`with`, `read_only`).
    public var name: String?
    /// volume_create: the size (default `min(1G, max_volume_size)`).
    public var size: ByteSize?
    /// volume_share/unshare: the broker user.
    public var with: String?
    /// volume_share: share read-only (default false).
    public var readOnly: Bool?
    /// runtime_deploy / runtime_remove: the package, the target workers (absent or `["all"]`: every
    /// live one) and the architecture they must have.
    public var deploy: RuntimeDeployOrder?
    /// runtime_deploy/remove/commit: worker ids; absent or `["all"]`: every live worker.
    public var workers: [String]?
    /// runtime_deploy/remove/commit: only workers of this architecture.
    public var arch: String?

    public init(
        method: Method, jobID: String? = nil, state: JobState? = nil, runtime: String? = nil,
        worker: String? = nil, submitter: String? = nil, since: Double? = nil, before: Double? = nil,
        limit: Int? = nil, offset: Int? = nil, sinceSeq: UInt64? = nil
    ) {
        self.method = method
        self.jobID = jobID
        self.state = state
        self.runtime = runtime
        self.worker = worker
        self.submitter = submitter
        self.since = since
        self.before = before
        self.limit = limit
        self.offset = offset
        self.sinceSeq = sinceSeq
    }

    enum CodingKeys: String, CodingKey {
        case method, jobID = "job_id", state, runtime, worker, submitter, since, before, limit, offset
        case sinceSeq = "since_seq", name, size, with, readOnly = "read_only", deploy, workers, arch
    }
}

/// The dispatcher's answer to an `RPCRequest` (`joblet.rpc.response.v1`).
public struct RPCResponse: Sendable, Equatable, Codable {
    /// False when the query failed; `error` then says why.
    public var ok: Bool
    /// Set when `ok` is false.
    public var error: ErrorInfo?
    /// status, logs, cancel: the job.
    public var job: JobRecord?
    /// list: the matching jobs, newest first.
    public var jobs: [JobRecord]?
    /// logs: chunks from `since_seq`, and whether the job has finished (no more will come).
    public var logs: [LogChunk]?
    /// logs: true when the job is terminal and every chunk it produced (or the dispatcher kept) is in `logs`.
    public var complete: Bool?
    /// workers: the live workers' latest adverts. (drain, resume, runtime_test, runtime_deploy,
    /// runtime_remove: the workers addressed.)
    public var workers: [WorkerAdvert]?
    /// runtimes: what the fleet offers.
    public var runtimes: [FleetRuntime]?
    /// delete: how many jobs were removed.
    public var deleted: Int?
    /// `stats`: messages refused for their sender, per kind (`event`, `log`, `advert`, …).
    public var refusals: [String: Int]?
    /// volume_list: the volumes the caller may see; volume_create/share/unshare: the volume now.
    public var volumes: [VolumeInfo]?
    /// network_list: the caller's networks (readers and admins: all); network_create: the new one.
    public var networks: [NetworkInfo]?
    /// runtime_status: per worker and desired runtime, where it stands.
    public var rollout: [RuntimeRollout]?

    public init(
        ok: Bool, error: ErrorInfo? = nil, job: JobRecord? = nil, jobs: [JobRecord]? = nil,
        logs: [LogChunk]? = nil, complete: Bool? = nil, workers: [WorkerAdvert]? = nil,
        runtimes: [FleetRuntime]? = nil, deleted: Int? = nil, refusals: [String: Int]? = nil
    ) {
        self.ok = ok
        self.error = error
        self.job = job
        self.jobs = jobs
        self.logs = logs
        self.complete = complete
        self.workers = workers
        self.runtimes = runtimes
        self.deleted = deleted
        self.refusals = refusals
    }

    public static func failure(_ code: String, _ message: String) -> RPCResponse {
        RPCResponse(ok: false, error: ErrorInfo(code: code, message: message))
    }
}

/// A runtime as offered across the fleet: which workers have it, on which architectures.
public struct FleetRuntime: Sendable, Equatable, Codable {
    /// The runtime, as one of those workers advertises it.
    public var runtime: RuntimeDescriptor
    /// Ids of the live workers that offer it.
    public var workers: [String]
    /// Those workers' architectures.
    public var arches: [String]

    public init(runtime: RuntimeDescriptor, workers: [String], arches: [String]) {
        self.runtime = runtime
        self.workers = workers
        self.arches = arches
    }
}
