/// A piece of a job's output. On the wire the body is the raw bytes and the rest travels in
/// headers (`job_id`, `seq`, `stream`), routing key `<submitter>.<job-id>.<stream>` on `joblet.logs`.
public struct LogChunk: Sendable, Equatable, Codable {
    /// The job whose output this is.
    public var jobID: String
    /// Per job, across both streams, from 0 without gaps: merging history and live follow by
    /// `seq` gives every byte once, in order.
    public var seq: UInt64
    /// `stdout` or `stderr`.
    public var stream: String
    /// The output bytes as the job wrote them (base64 in `logs` answers).
    public var data: [UInt8]

    /// The largest chunk a worker sends (`logs.chunk_bytes` is at most this).
    public static let maxBytes = 8 << 20

    public init(jobID: String, seq: UInt64, stream: String, data: [UInt8]) {
        self.jobID = jobID
        self.seq = seq
        self.stream = stream
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", seq, stream, data
    }

    /// JSON form used in RPC replies (log history): data as base64.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(seq, forKey: .seq)
        try container.encode(stream, forKey: .stream)
        try container.encode(Base64.encode(data), forKey: .data)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jobID = try container.decode(String.self, forKey: .jobID)
        seq = try container.decode(UInt64.self, forKey: .seq)
        stream = try container.decode(String.self, forKey: .stream)
        let text = try container.decode(String.self, forKey: .data)
        guard let bytes = Base64.decode(text) else {
            throw DecodingError.dataCorruptedError(forKey: .data, in: container, debugDescription: "expected base64")
        }
        data = bytes
    }
}
