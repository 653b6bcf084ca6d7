import JobletCore

/// The largest message body each consumer takes (`AMQPChannel.consume(bodyLimit:)`): a larger one is
/// dropped as it arrives and treated as poison. With the prefetch, this bounds what a hostile sender
/// with broker credentials can make a process hold; without it the bound is the broker's
/// `max_message_size` (128 MiB in RabbitMQ 3.10) times the prefetch.
public enum BodyLimits {
    /// Events and adverts: a real one is a few KiB (an advert at `WorkerAdvert.validate`'s limits is
    /// under 1 MiB).
    public static let event = 256 << 10
    public static let advert = 1 << 20
    /// RPC queries, control commands.
    public static let small = 64 << 10
    /// A worker's report (the dispatcher's reports queue): a runtime test's carries up to 64 KiB of
    /// output, which JSON escaping can make six times larger.
    public static let report = 512 << 10
    /// What rnx reads on its own report queues: runtime test reports carry up to 64 KiB of output,
    /// which JSON escaping can make six times larger.
    public static let reply = 8 << 20
    /// A log chunk: the largest `logs.chunk_bytes` a worker may use.
    public static let logChunk = LogChunk.maxBytes
    /// The most `max_upload` may be: its base64 and the rest of a job message stay under `job`.
    public static let maxUpload = 32 << 20
    /// A job message (a submission routed to a worker, or dead-lettered).
    public static let job = 64 << 20

    /// A submission carrying an upload of at most `maxUpload` bytes: its base64 plus 1 MiB for the rest.
    public static func submission(maxUpload: Int) -> Int {
        (maxUpload + 2) / 3 * 4 + (1 << 20)
    }
}
