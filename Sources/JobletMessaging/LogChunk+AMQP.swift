import AMQP
import JobletCore

extension LogChunk {
    /// Raw bytes as the body; job, sequence and stream in headers (docs/PROTOCOL.md).
    public var amqpProperties: BasicProperties {
        var properties = BasicProperties()
        properties.contentType = "application/octet-stream"
        properties.deliveryMode = .persistent
        properties.type = MessageType.logChunk
        properties.headers = ["job_id": .string(jobID), "seq": .int(Int64(seq)), "stream": .string(stream)]
        return properties
    }

    /// `<submitter>.<job-id>.<stream>` on `joblet.logs`.
    public func routingKey(submitter: String) -> String {
        Topology.logRoutingKey(submitter: submitter, jobID: jobID, stream: stream)
    }

    /// Reads a chunk back from a `joblet.logs` delivery.
    public init(delivery: Delivery) throws(PoisonMessage) {
        try Envelope.refuseDroppedBody(delivery)
        guard let headers = delivery.properties.headers,
            case .string(let jobID)? = headers["job_id"],
            case .string(let stream)? = headers["stream"]
        else {
            throw PoisonMessage("log chunk without job_id/stream headers")
        }
        let seq: UInt64
        switch headers["seq"] {
        case .int(let value)? where value >= 0: seq = UInt64(value)
        default: throw PoisonMessage("log chunk without a seq header")
        }
        self.init(jobID: jobID, seq: seq, stream: stream, data: delivery.body)
    }
}
