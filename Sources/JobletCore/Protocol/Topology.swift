/// The AMQP names that make up Joblet's public protocol (docs/PROTOCOL.md).
public enum Topology {
    /// Quorum queue of job requests from `rnx` and other services.
    public static let submitQueue = "joblet.submit"
    /// Direct exchange routing jobs to `joblet.jobs.<runtime>@<arch>` queues.
    public static let jobsExchange = "joblet.jobs"
    /// Topic exchange: `job.<id>.<state>` events and `worker.<id>.advert` adverts.
    public static let eventsExchange = "joblet.events"
    /// Topic exchange: `<job-id>.stdout|stderr` log chunks.
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

    /// `python-3.11@x86_64`, or `host@x86_64` for jobs without a runtime.
    public static func target(runtimeID: String?, arch: String) -> String {
        "\(runtimeID ?? "host")@\(arch)"
    }

    /// The queue of a target: `joblet.jobs.python-3.11@x86_64`.
    public static func jobQueue(runtimeID: String?, arch: String) -> String {
        "\(jobsExchange).\(target(runtimeID: runtimeID, arch: arch))"
    }

    public static func eventRoutingKey(jobID: String, state: JobState) -> String { "job.\(jobID).\(state.rawValue)" }
    public static func advertRoutingKey(workerID: String) -> String { "worker.\(workerID).advert" }
    public static func logRoutingKey(jobID: String, stream: String) -> String { "\(jobID).\(stream)" }
    public static func controlRoutingKey(workerID: String?) -> String { "worker.\(workerID ?? "all")" }
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
