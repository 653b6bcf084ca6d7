import AMQP
import Dispatcher
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension DispatcherClusterTests {
    /// The store is the outbox: a job stored but never recorded as routed is routed by the next run.
    @Suite struct RecoveryTests {
        @Test func storedButUnroutedJobIsRoutedOnceAfterARestart() async throws {
            let language = DispatcherHarness.uniqueLanguage()
            let stateDir = ScratchPath.make("dispatcher-test")
            let target = "\(language)-1@x86_64"
            let message = JobMessage(
                jobID: JobID.generate(), runtimeID: "\(language)-1",
                request: JobRequest(command: ["echo", "again"], runtime: "\(language):1"),
                submitter: "guest", submittedAt: Clock.now, maxAttempts: 2)
            // What a dispatcher killed between storing a job and the broker's confirm leaves behind.
            do {
                let store = try JobStore(directory: stateDir)
                try await store.insert(NewJob(message: message, target: target, queue: Topology.jobQueue(target: target), messageID: nil))
            }
            let harness = try await DispatcherHarness(stateDir: stateDir)
            defer { harness.terminate() }
            let queue = Topology.jobQueue(target: target)
            var delivery: Delivery?
            for _ in 0..<100 where delivery == nil {
                delivery = try await harness.channel.get(queue: queue)
                if delivery == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            let routed = try #require(delivery, "the stored job was never routed")
            #expect(try JSONCodec.decode(JobMessage.self, from: routed.body) == message)
            try await harness.channel.ack(routed)
            #expect(try await harness.query(RPCRequest(method: .status, jobID: message.jobID)).job?.state == .queued)

            // Recorded as routed now: another restart does not publish it again.
            harness.terminate()
            try await harness.start()
            _ = try await harness.query(RPCRequest(method: .workers))
            #expect(try await harness.channel.get(queue: queue) == nil)
        }

        /// A `running` event for a job that already ended (a second copy) makes the dispatcher cancel that copy.
        @Test func aCopyOfAnEndedJobIsCancelledOnItsWorker() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (language, worker) = try await harness.advertiseFakeWorker()
            let jobID = try #require(try await harness.submit(JobRequest(command: ["sleep", "9"], runtime: "\(language):1")).jobID)
            #expect(try await harness.query(RPCRequest(method: .cancel, jobID: jobID)).job?.state == .cancelled)

            let control = try await harness.controlQueue(workerID: worker.workerID)
            let event = JobEvent(jobID: jobID, state: .running, time: Clock.now, workerID: worker.workerID, attempt: 1)
            try await harness.channel(asWorker: worker.workerID).publish(
                try JSONCodec.encode(event), exchange: Topology.eventsExchange,
                routingKey: Topology.eventRoutingKey(submitter: DispatcherTestUsers.clientName, jobID: jobID, state: .running),
                properties: Envelope.properties(type: MessageType.jobEvent))
            let command = try await harness.nextDelivery(on: control).map { try JSONCodec.decode(ControlCommand.self, from: $0.body) }
            #expect(command == ControlCommand(command: .cancel, jobID: jobID))
            let record = try await harness.query(RPCRequest(method: .status, jobID: jobID)).job
            #expect(record?.state == .cancelled)
            #expect(record?.attempts == 0)
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
        }
    }
}
