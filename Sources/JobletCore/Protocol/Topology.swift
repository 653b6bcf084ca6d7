/// The AMQP names that make up Joblet's public protocol (docs/PROTOCOL.md).
public enum Topology {
    /// Topic exchange where clients publish: routing key `submit` (job requests, to `joblet.submit`)
    /// and `rpc` (queries, to `joblet.rpc`). Submitters may not use the default exchange, which
    /// would let them publish into any queue by name (docs/SECURITY.md).
    public static let apiExchange = "joblet.api"
    /// Routing key on `joblet.api` for job requests.
    public static let submitRoutingKey = "submit"
    /// Routing key on `joblet.api` for queries.
    public static let rpcRoutingKey = "rpc"
    /// Quorum queue of job requests from `rnx` and other services.
    public static let submitQueue = "joblet.submit"
    /// Direct exchange routing jobs to `joblet.jobs.<runtime>@<arch>` queues.
    public static let jobsExchange = "joblet.jobs"
    /// Topic exchange: `job.<submitter>.<id>.<state>` events, `worker.<id>.advert` adverts and
    /// `worker.<id>.report` reports on runtime commands.
    public static let eventsExchange = "joblet.events"
    /// Topic exchange: `<submitter>.<job-id>.stdout|stderr` log chunks.
    public static let logsExchange = "joblet.logs"
    /// Topic exchange: `worker.<id>` and `worker.all` control commands.
    public static let controlExchange = "joblet.control"
    /// Queue of dispatcher queries, answered over direct reply-to.
    public static let rpcQueue = "joblet.rpc"
    /// Dead-letter exchange (fanout) and its queue; rejected messages carry `x-joblet-reason`.
    public static let deadLetterExchange = "joblet.dead"
    public static let deadLetterQueue = "joblet.dead"
    /// Header carrying why a message was dead-lettered.
    public static let reasonHeader = "x-joblet-reason"
    /// Header on a dead letter refused for its sender (value: that sender's user, or ""): a refusal
    /// says nothing about the job it names, so it never makes that job `lost`.
    public static let refusedHeader = "x-joblet-refused"

    /// `python-3.11@x86_64`, or `host@x86_64` for jobs without a runtime; `…+net` for jobs with a
    /// network, which only workers offering one consume.
    public static func target(runtimeID: String?, arch: String, network: Bool = false) -> String {
        "\(runtimeID ?? "host")@\(arch)\(network ? networkSuffix : "")"
    }

    /// The queue of a target: `joblet.jobs.python-3.11@x86_64`.
    public static func jobQueue(runtimeID: String?, arch: String, network: Bool = false) -> String {
        jobQueue(target: target(runtimeID: runtimeID, arch: arch, network: network))
    }

    /// The queue of a target name (`python-3.11@x86_64`), bound to `joblet.jobs` under that name.
    public static func jobQueue(target: String) -> String { "\(jobsExchange).\(target)" }

    /// The target of a job queue's name, or nil for a name that is no job queue.
    public static func target(ofJobQueue queue: String) -> String? {
        let prefix = "\(jobsExchange)."
        return queue.hasPrefix(prefix) ? String(queue.dropFirst(prefix.count)) : nil
    }

    public static let networkSuffix = "+net"

    /// `job.<submitter>.<id>.<state>`: the submitter leads so that topic permissions can let each
    /// user bind only its own jobs (`^job\.{username}\.`).
    public static func eventRoutingKey(submitter: String, jobID: String, state: JobState) -> String {
        "job.\(submitter).\(jobID).\(state.rawValue)"
    }
    /// What a follower binds on `joblet.events` for every state of one job.
    public static func eventFollowKey(submitter: String, jobID: String) -> String { "job.\(submitter).\(jobID).*" }
    /// Every job of one submitter, on `joblet.events` (bound only until a new job's id is known).
    public static func eventFollowAllKey(submitter: String) -> String { "job.\(submitter).*.*" }
    /// `recorded.<submitter>.<id>.<state>`: an end as the dispatcher's store recorded it. Only the
    /// dispatcher may publish these keys (workers' topic permission covers `job.` and `worker.` keys),
    /// so a follower takes such an event as the record, without asking for the job's status.
    public static func recordedRoutingKey(submitter: String, jobID: String, state: JobState) -> String {
        "\(recordedKeyPrefix)\(submitter).\(jobID).\(state.rawValue)"
    }
    public static let recordedKeyPrefix = "recorded."
    /// What a follower binds on `joblet.events` for one job's recorded end.
    public static func recordedFollowKey(submitter: String, jobID: String) -> String { "\(recordedKeyPrefix)\(submitter).\(jobID).*" }
    /// Every recorded end of one submitter's jobs (bound only until a new job's id is known).
    public static func recordedFollowAllKey(submitter: String) -> String { "\(recordedKeyPrefix)\(submitter).*.*" }
    /// Every job of every submitter in one state, on `joblet.events` (the dispatcher's bindings).
    public static func eventStateKey(state: JobState) -> String { "job.*.*.\(state.rawValue)" }
    public static func advertRoutingKey(workerID: String) -> String { "worker.\(workerID).advert" }
    /// Every worker's advert, on `joblet.events`.
    public static let advertFollowAllKey = "worker.*.advert"
    /// `worker.<id>.report`: a worker's report on a runtime command (test, deploy, remove), for the
    /// dispatcher, which passes reports on callers' requests on to them. Workers may not use the
    /// default exchange, so they cannot reply to a caller's queue themselves.
    public static func reportRoutingKey(workerID: String) -> String { "worker.\(workerID).report" }
    /// Every worker's reports, on `joblet.events` (the dispatcher's reports queue).
    public static let reportFollowAllKey = "worker.*.report"
    /// `<submitter>.<job-id>.<stream>` (topic permission `^{username}\.` for followers).
    public static func logRoutingKey(submitter: String, jobID: String, stream: String) -> String {
        "\(submitter).\(jobID).\(stream)"
    }
    /// What a follower binds on `joblet.logs` for both streams of one job.
    public static func logFollowKey(submitter: String, jobID: String) -> String { "\(submitter).\(jobID).*" }
    /// Every job of one submitter, on `joblet.logs` (bound only until a new job's id is known).
    public static func logFollowAllKey(submitter: String) -> String { "\(submitter).*.*" }
    public static func controlRoutingKey(workerID: String?) -> String { "worker.\(workerID ?? "all")" }
    /// A worker's own control queue, `joblet.control.worker.<id>`.
    public static func controlQueue(workerID: String) -> String {
        "\(controlExchange).\(controlRoutingKey(workerID: workerID))"
    }
}

/// The `type` property of each message, versioned.
public enum MessageType {
    public static let jobRequest = "joblet.job.request.v1"
    public static let job = "joblet.job.v1"
    public static let jobEvent = "joblet.job.event.v1"
    public static let logChunk = "joblet.log.v1"
    public static let workerAdvert = "joblet.worker.advert.v1"
    public static let control = "joblet.control.v1"
    public static let submitReply = "joblet.submit.reply.v1"
    public static let rpcRequest = "joblet.rpc.request.v1"
    public static let rpcResponse = "joblet.rpc.response.v1"
    public static let runtimeTestReport = "joblet.runtime.test.v1"
}
