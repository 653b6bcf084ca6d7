import AMQP
import Dispatch
import JobletCore
import JobletMessaging
import SystemCalls
#if canImport(Glibc)
    import Glibc
#endif

/// Publishes a package into its deploy stream in chunks: read one chunk at a time (off the
/// cooperative pool) and keep at most `window` unconfirmed, so rnx holds a few MiB whatever the size.
struct PackageUpload {
    static let window = 8

    let path: String
    let order: RuntimeDeployOrder
    let channel: AMQPChannel
    let user: String

    /// The stream queue, bound to `joblet.deploy` under the deploy id. Only admins may declare it.
    static func declareStream(_ order: RuntimeDeployOrder, on channel: AMQPChannel) async throws {
        // A stream keeps the package on the broker's disk (never in its memory) for every reader,
        // including workers that come online later: the dispatcher deletes it when a newer version
        // supersedes it, or a day after an upload that was never committed (no x-max-age, which
        // could drop the package of a desired runtime).
        try await channel.declareQueue(order.queue, durable: true, arguments: ["x-queue-type": .string("stream")])
        try await channel.bindQueue(order.queue, exchange: Topology.deployExchange, routingKey: order.deployID)
    }

    func run(progress: (UInt64) -> Void) async throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RNXError(.io, "cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        try await channel.enableConfirms()
        var inFlight: [(receipt: PublishReceipt, bytes: Int)] = []
        var confirmed: UInt64 = 0
        for seq in 0..<order.chunks {
            let count = order.expectedBytes(ofChunk: seq)
            let body = try await Self.read(fd, count: count, path: path)
            var properties = BasicProperties()
            properties.type = MessageType.runtimeChunk
            properties.contentType = "application/octet-stream"
            properties.deliveryMode = .persistent
            properties.userID = user
            properties.headers = [Topology.deploySeqHeader: .int(Int64(seq))]
            let receipt = channel.startPublish(
                body, exchange: Topology.deployExchange, routingKey: order.deployID,
                properties: properties, mandatory: true)
            inFlight.append((receipt, count))
            if inFlight.count >= Self.window {
                let oldest = inFlight.removeFirst()
                try await oldest.receipt.confirmed()
                confirmed += UInt64(oldest.bytes)
                progress(confirmed)
            }
        }
        for pending in inFlight { try await pending.receipt.confirmed() }
        progress(order.size)
    }

    /// Exactly `count` bytes from `fd`'s current offset.
    static func read(_ fd: Int32, count: Int, path: String) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                // A read error or an early end of file both mean the file is not what was sized.
                guard let bytes = try? FileDescriptorIO.read(fd, upTo: count), bytes.count == count else {
                    continuation.resume(throwing: RNXError(.io, "\(path) changed while it was sent (short read); send it again"))
                    return
                }
                continuation.resume(returning: bytes)
            }
        }
    }
}
