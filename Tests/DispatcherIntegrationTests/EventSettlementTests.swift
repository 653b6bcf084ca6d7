import AMQP
import JobletCore
import JobletMessaging
import Testing
import TestSupport

extension DispatcherClusterTests {
    /// Worker events and log chunks are settled a batch at a time (one multiple ack): a burst of them,
    /// with malformed ones and a submitter's forgery in between, is recorded and leaves nothing unacked.
    @Suite struct EventSettlementTests {
        @Test func aBurstOfEventsIsRecordedAndEveryOneIsSettled() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (language, worker) = try await harness.advertiseFakeWorker()
            var jobIDs: [String] = []
            for _ in 0..<8 {
                jobIDs.append(try #require(try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1")).jobID))
            }
            let channel = try await harness.channel(asWorker: worker.workerID)
            func publish(_ body: [UInt8], jobID: String, state: JobState, on channel: AMQPChannel) async throws {
                try await channel.publish(
                    body, exchange: Topology.eventsExchange,
                    routingKey: Topology.eventRoutingKey(submitter: DispatcherTestUsers.clientName, jobID: jobID, state: state),
                    properties: Envelope.properties(type: MessageType.jobEvent))
            }
            for (index, jobID) in jobIDs.enumerated() {
                try await publish(
                    try JSONCodec.encode(JobEvent(jobID: jobID, state: .running, time: Clock.now, workerID: worker.workerID, attempt: 1)),
                    jobID: jobID, state: .running, on: channel)
                if index == 3 {
                    try await publish(Array("not an event {".utf8), jobID: jobID, state: .running, on: channel)
                    // A forgery by the submitter: refused and settled like the rest.
                    let forged = JobEvent(jobID: jobID, state: .failed, time: Clock.now, workerID: worker.workerID, attempt: 1)
                    try await publish(try JSONCodec.encode(forged), jobID: jobID, state: .failed, on: harness.channel)
                }
                let chunks = (0..<3).map { LogChunk(jobID: jobID, seq: UInt64($0), stream: "stdout", data: Array("line \($0)\n".utf8)) }
                for chunk in chunks {
                    try await channel.publish(
                        chunk.data, exchange: Topology.logsExchange,
                        routingKey: chunk.routingKey(submitter: DispatcherTestUsers.clientName), properties: chunk.amqpProperties)
                }
                if index == 5 {
                    // No headers: malformed, ignored and settled.
                    try await channel.publish(
                        Array("output".utf8), exchange: Topology.logsExchange,
                        routingKey: Topology.logRoutingKey(submitter: DispatcherTestUsers.clientName, jobID: jobID, stream: "stdout"))
                }
                let result = JobResult(
                    exitCode: 0, startedAt: Clock.now - 1, finishedAt: Clock.now, workerID: worker.workerID, attempt: 1, logChunks: 3)
                try await publish(
                    try JSONCodec.encode(
                        JobEvent(jobID: jobID, state: .completed, time: Clock.now, workerID: worker.workerID, attempt: 1, result: result)),
                    jobID: jobID, state: .completed, on: channel)
            }
            for jobID in jobIDs {
                let record = try await harness.waitForJob(jobID) { $0.state.isTerminal }
                #expect(record?.state == .completed, "\(jobID): \(String(describing: record?.state))")
                var logs = RPCResponse(ok: false)
                for _ in 0..<100 {
                    logs = try await harness.query(RPCRequest(method: .logs, jobID: jobID, sinceSeq: 0))
                    if logs.complete == true { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(logs.logs?.map(\.seq) == [0, 1, 2], "\(jobID)")
            }
            // The dispatcher's channels stayed open (an ack of an unknown tag would close one) and hold
            // nothing (channel figures are live; a quorum queue's own count lags by seconds).
            var unacked = -1
            for _ in 0..<50 {
                let listing = try BrokerRoles.rabbitmqctl(
                    ["list_channels", "-p", BrokerRoles.vhostOf(harness.url), "user", "messages_unacknowledged", "-q", "--no-table-headers"],
                    brokerURL: harness.url)
                unacked = listing.split(separator: "\n").reduce(0) { total, line in
                    let fields = line.split(whereSeparator: \.isWhitespace)
                    guard fields.count == 2, fields[0] == harness.users.dispatcher.name, let count = Int(fields[1]) else { return total }
                    return total + count
                }
                if unacked == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(unacked == 0, "events unacknowledged: \(unacked)")
        }
    }
}
