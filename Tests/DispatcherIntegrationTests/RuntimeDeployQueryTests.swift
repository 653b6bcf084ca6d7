import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    /// `runtime_deploy` / `runtime_remove` on a real dispatcher: admins only, the order checked, and
    /// forwarded to exactly the targeted live workers as control commands.
    @Suite("runtime deploy queries")
    struct RuntimeDeployQueryTests {
        @Test func onlyAdminsDeployAndTheOrderReachesTheTargetedWorker() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (_, worker) = try await harness.advertiseFakeWorker()
            let control = try await harness.controlQueue(workerID: worker.workerID)
            let order = RuntimeDeployOrder(
                deployID: JobID.generate(), runtime: "node-18", version: "18",
                sha256: String(repeating: "ab", count: 32), size: 3 << 20, chunkSize: 1 << 20,
                deployer: DispatcherTestUsers.clientName)
            func deploy(
                _ order: RuntimeDeployOrder?, workers: [String]? = nil, arch: String? = nil,
                as client: BrokerUserClient? = nil
            ) async throws -> RPCResponse {
                var request = RPCRequest(method: .runtimeDeploy)
                request.deploy = order
                request.workers = workers
                request.arch = arch
                if let client { return try await client.query(request) }
                return try await harness.query(request)
            }

            let tag = JobID.short(JobID.generate())
            let carol = try await BrokerUserClient(user: "carol-" + tag, harness: harness)
            let refused = try await deploy(order, as: carol)
            #expect(refused.error?.code == "forbidden" && refused.error?.message.contains("only admins") == true, "\(refused)")
            await carol.close()

            var impostor = order
            impostor.deployer = "somebody-else"
            #expect(try await deploy(impostor).error?.code == "invalid_request")
            var broken = order
            broken.chunks = 7
            #expect(try await deploy(broken).error?.message.hasPrefix("deploy.chunks") == true)
            #expect(try await deploy(nil).error?.code == "invalid_request")
            #expect(try await deploy(order, workers: ["joblet-worker-nobody"]).error?.code == "not_found")
            let otherArch = Architecture.host == "x86_64" ? "aarch64" : "x86_64"
            #expect(try await deploy(order, workers: [worker.workerID], arch: otherArch).error?.code == "not_found")

            let sent = try await deploy(order, workers: [worker.workerID], arch: Architecture.host)
            #expect(sent.ok && sent.workers?.map(\.workerID) == [worker.workerID], "\(sent)")
            let delivery = try #require(try await harness.nextDelivery(on: control))
            #expect(try JSONCodec.decode(ControlCommand.self, from: delivery.body) == ControlCommand(command: .runtimeDeploy, deploy: order))
            #expect(delivery.properties.userID == harness.users.dispatcher.name)
            // Reports come back to the dispatcher under the relay's id, which is not the caller's.
            #expect(delivery.properties.replyTo == nil)
            #expect(delivery.properties.correlationID?.count == 32)
        }
    }
}
