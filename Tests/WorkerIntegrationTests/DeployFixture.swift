import AMQP
import Foundation
import JobletCore
import JobletPackages
import JobletMessaging
import TestSupport

/// Plays rnx and the dispatcher for a worker deploy test: puts a package into a stream queue in
/// chunks (optionally with one byte flipped), sends `runtime_deploy`, and returns the worker's final
/// report. The probe's dispatcher user is also the deployer.
struct DeployFixture {
    let probe: BrokerProbe

    /// A runtime `name` version `version` whose `deploy-hello` prints "NAME VERSION", packed to a file.
    static func package(name: String, version: String, padding: Int = 0, in directory: String) throws -> String {
        let tree = "\(directory)/\(name)-\(version)"
        try RuntimeScratch.scriptRuntime(
            at: tree, name: name, language: "deploytest", version: version, description: "deploy test runtime",
            script: ("deploy-hello", "#!/bin/sh\necho \"\(name) \(version)\"\n"), extra: "test: \"deploy-hello\"")
        if padding > 0 {
            // Random bytes do not compress: the package is as big as the padding.
            let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
            _ = FileManager.default.createFile(atPath: tree + "/padding.bin", contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: tree + "/padding.bin"))
            var left = padding
            while left > 0 {
                let block = random.readData(ofLength: min(left, 1 << 20))
                out.write(block)
                left -= block.count
            }
            try out.close()
        }
        let package = "\(directory)/\(name)-\(version).tar.gz"
        try RuntimePackage.pack(runtimeDirectory: tree, to: package)
        try FileManager.default.removeItem(atPath: tree)
        return package
    }

    /// Deploys `package` to `workerID`; `corrupt`: flip a byte of that chunk; `oversize`: send that chunk
    /// with a chunk's worth of bytes more (past the worker's body limit); `sha256`: claim this digest
    /// instead of the real one. Returns every report, the final one last.
    func deploy(
        _ package: String, to workerID: String, chunkSize: Int = 1 << 20, corrupt: Int? = nil,
        oversize: Int? = nil, sha256: String? = nil, timeout: Duration = .seconds(180)
    ) async throws -> [RuntimeDeployReport] {
        let channel = probe.channel
        let size = UInt64(try FileManager.default.attributesOfItem(atPath: package)[.size] as? Int ?? 0)
        let config = try RuntimePackage.inspect(package: package).value
        let order = RuntimeDeployOrder(
            deployID: JobID.generate(), runtime: config.name, version: config.version,
            sha256: try sha256 ?? RuntimePackage.sha256(file: package), size: size,
            chunkSize: chunkSize, deployer: probe.users.dispatcher.name)
        try await channel.declareQueue(order.queue, durable: true, arguments: ["x-queue-type": .string("stream")])
        try await channel.bindQueue(order.queue, exchange: Topology.deployExchange, routingKey: order.deployID)
        return try await withCleanup {
            try? await channel.deleteQueue(order.queue)
        } do: {
            let replies = try await probe.reportQueue(of: workerID)
            var properties = Envelope.properties(type: MessageType.control, correlationID: order.deployID, persistent: false)
            properties.userID = probe.users.dispatcher.name
            try await channel.publish(
                Envelope.encode(ControlCommand(command: .runtimeDeploy, deploy: order)),
                exchange: Topology.controlExchange,
                routingKey: Topology.controlRoutingKey(workerID: workerID), properties: properties)
            let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: package))
            for seq in 0..<order.chunks {
                var body = [UInt8](file.readData(ofLength: order.expectedBytes(ofChunk: seq)))
                if seq == corrupt { body[body.count / 2] ^= 0xff }
                if seq == oversize { body += [UInt8](repeating: 0, count: chunkSize) }
                var chunk = BasicProperties()
                chunk.type = MessageType.runtimeChunk
                chunk.headers = [Topology.deploySeqHeader: .int(Int64(seq))]
                try await channel.publish(body, exchange: Topology.deployExchange, routingKey: order.deployID, properties: chunk)
            }
            try file.close()
            let deliveries = try await probe.collect(replies, timeout: timeout) { collected in
                collected.contains { Self.report($0)?.isFinal == true }
            }
            return deliveries.compactMap(Self.report)
        }
    }

    func remove(_ name: String, from workerID: String) async throws -> RuntimeDeployReport? {
        let channel = probe.channel
        let replies = try await probe.reportQueue(of: workerID)
        var properties = Envelope.properties(type: MessageType.control, persistent: false)
        properties.userID = probe.users.dispatcher.name
        try await channel.publish(
            Envelope.encode(ControlCommand(command: .runtimeRemove, runtime: name)),
            exchange: Topology.controlExchange,
            routingKey: Topology.controlRoutingKey(workerID: workerID), properties: properties)
        let deliveries = try await probe.collect(replies) { collected in collected.contains { Self.report($0)?.isFinal == true } }
        return deliveries.compactMap(Self.report).last
    }

    static func report(_ delivery: Delivery) -> RuntimeDeployReport? {
        try? JSONCodec.decode(RuntimeDeployReport.self, from: delivery.body)
    }
}
