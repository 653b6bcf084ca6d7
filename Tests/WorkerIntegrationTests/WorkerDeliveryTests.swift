#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import JobletCore
import JobletMessaging
import TestSupport
import Testing
import Worker

extension WorkerSuites {
    @Suite("delivery handling")
    struct WorkerDeliveryTests {
        @Test("27 kinds of malformed or out-of-range job messages are dead-lettered with a reason, and the worker still serves")
        func malformedMessagesAreDeadLettered() async throws {
            try await withWorker { probe, worker in
                let host = Topology.target(runtimeID: nil, arch: Architecture.host)
                let good = JobID.generate()
                func job(_ fields: String) -> [UInt8] { Array(fields.utf8) }
                let request = #""request":{"command":["true"]},"submitter":"t","submitted_at":1,"max_attempts":2"#
                let cases: [(body: [UInt8], type: String?, contentType: String?)] = [
                    (job("not json"), MessageType.job, "application/json"),
                    (job("{"), MessageType.job, "application/json"),
                    (job("[]"), MessageType.job, "application/json"),
                    (job("null"), MessageType.job, "application/json"),
                    (job(#"{"job_id":"\#(good)"}"#), MessageType.job, "application/json"),
                    (job(#"{"job_id":"\#(good)",\#(request),"extra":1}"#), MessageType.job, "application/json"),
                    (job(#"{"job_id":42,\#(request)}"#), MessageType.job, "application/json"),
                    (
                        job(#"{"job_id":"../../etc","request":{"command":["true"]},"submitter":"t","submitted_at":1,"max_attempts":2}"#), MessageType.job,
                        "application/json"
                    ),
                    (
                        job(#"{"job_id":"\#(good)","request":{"command":[]},"submitter":"t","submitted_at":1,"max_attempts":2}"#), MessageType.job,
                        "application/json"
                    ),
                    (
                        job(#"{"job_id":"\#(good)","request":{"command":"true"},"submitter":"t","submitted_at":1,"max_attempts":2}"#), MessageType.job,
                        "application/json"
                    ),
                    (
                        job(
                            #"{"job_id":"\#(good)","request":{"command":["true"],"limits":{"memory":"lots"}},"submitter":"t","submitted_at":1,"max_attempts":2}"#
                        ), MessageType.job, "application/json"
                    ),
                    (
                        job(#"{"job_id":"\#(good)","request":{"command":["true"],"env":{"1BAD":"x"}},"submitter":"t","submitted_at":1,"max_attempts":2}"#),
                        MessageType.job, "application/json"
                    ),
                    (
                        job(#"{"job_id":"\#(good)","request":{"command":["true"],"volumes":["../x"]},"submitter":"t","submitted_at":1,"max_attempts":2}"#),
                        MessageType.job, "application/json"
                    ),
                    (
                        job(#"{"job_id":"\#(good)","request":{"command":["true"]},"submitter":"t","submitted_at":"yesterday","max_attempts":2}"#),
                        MessageType.job, "application/json"
                    ),
                    (
                        job(#"{"job_id":"\#(good)","request":{"command":["true"]},"submitter":"t","submitted_at":1,"max_attempts":0}"#), MessageType.job,
                        "application/json"
                    ),
                    (job(#"{"job_id":"\#(good)","runtime_id":"python-3.11",\#(request)}"#), MessageType.job, "application/json"),
                    (job(#"{"job_id":"\#(good)",\#(request)}"#), "joblet.something.else.v1", "application/json"),
                    (job(#"{"job_id":"\#(good)",\#(request)}"#), MessageType.job, "text/plain"),
                    (
                        job(
                            #"{"job_id":"\#(good)","request":{"command":["true"],"upload":{"format":"tar.gz","data":"!!!"}},"submitter":"t","submitted_at":1,"max_attempts":2}"#
                        ), MessageType.job, "application/json"
                    ),
                    ([0xff, 0xfe, 0x00], nil, nil),
                ]
                #expect(cases.count == 20)
                // Out of range (a timeout of 1e300 once killed every worker that received it): dead-lettered
                // naming the field, exactly as the dispatcher would have rejected them.
                func limits(_ json: String) -> [UInt8] {
                    job(#"{"job_id":"\#(good)","request":{"command":["true"],"limits":\#(json)},"submitter":"t","submitted_at":1,"max_attempts":2}"#)
                }
                let outOfRange: [(body: [UInt8], field: String)] = [
                    (limits(#"{"timeout":1e300}"#), "limits.timeout"),
                    (limits(#"{"memory":"1000T"}"#), "limits.memory"),
                    (limits(#"{"pids":4000000000}"#), "limits.pids"),
                    (limits(#"{"disk":"1M"}"#), "limits.disk"),
                    (limits(#"{"output":"2T"}"#), "limits.output"),
                    (job(#"{"job_id":"\#(good)","request":{"command":["true"]},"submitter":"t","submitted_at":1,"max_attempts":1000000}"#), "max_attempts"),
                    (
                        job(
                            #"{"job_id":"\#(good)","request":{"command":[\#(Array(repeating: "\"x\"", count: 5000).joined(separator: ","))]},"submitter":"t","submitted_at":1,"max_attempts":2}"#
                        ), "command"
                    ),
                ]
                var ids: [String] = []
                var fields: [String: String] = [:]
                for (index, item) in outOfRange.enumerated() {
                    let messageID = "bad-\(worker.id)-range-\(index)"
                    ids.append(messageID)
                    fields[messageID] = item.field
                }
                for (index, item) in cases.enumerated() {
                    let messageID = "bad-\(worker.id)-\(index)"
                    ids.append(messageID)
                    try await probe.publishRaw(item.body, target: host, type: item.type, messageID: messageID, contentType: item.contentType)
                }
                for (index, item) in outOfRange.enumerated() {
                    try await probe.publishRaw(
                        item.body, target: host, type: MessageType.job, messageID: "bad-\(worker.id)-range-\(index)",
                        contentType: "application/json")
                }
                let dead = try await probe.collect(probe.dead) { deliveries in
                    Set(deliveries.compactMap(\.properties.messageID)).isSuperset(of: ids)
                }
                for messageID in ids {
                    let delivery = dead.first { $0.properties.messageID == messageID }
                    guard case .string(let reason)? = delivery?.properties.headers?[Topology.reasonHeader] else {
                        Issue.record("\(messageID) was not dead-lettered with a reason")
                        continue
                    }
                    #expect(!reason.isEmpty)
                    if let field = fields[messageID] { #expect(reason.contains(field), "\(messageID): \(reason)") }
                }
                // Still serving.
                let id = try await probe.submit(["true"])
                let events = try await probe.jobEvents(for: [id])
                #expect(events.first { $0.state.isTerminal }?.state == .completed)
            }
        }

        @Test("a second copy of a job running on the worker is not run beside it: one start, one end, completed")
        func secondCopyOfARunningJobIsNotRun() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, slots: 2) }) { probe, worker in
                // What a dispatcher killed between publishing a job and recording it sends after its restart.
                let id = JobID.generate()
                let message = JobMessage(
                    jobID: id, runtimeID: nil, request: JobRequest(command: ["sh", "-c", "sleep 1"]),
                    submitter: BrokerProbe.submitter, submittedAt: Clock.now, maxAttempts: 2)
                for _ in 0..<2 {
                    try await probe.publishRaw(
                        Envelope.encode(message), target: Topology.target(runtimeID: nil, arch: Architecture.host),
                        type: MessageType.job)
                }
                var events = try await probe.jobEvents(for: [id])
                // Anything a second run would have said arrives within its own second of sleep.
                try await Task.sleep(for: .seconds(2))
                events += try await probe.collect(probe.events, timeout: .seconds(1)) { _ in false }
                    .compactMap { try? JSONCodec.decode(JobEvent.self, from: $0.body) }.filter { $0.jobID == id }
                #expect(events.filter { $0.state.isTerminal }.map(\.state) == [.completed])
                #expect(events.filter { $0.state == .running }.count == 1)
            }
        }

        @Test("a burst of 50 jobs never runs more than `slots` at once on one worker")
        func slotsBoundConcurrency() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, slots: 3) }) { probe, worker in
                var ids: Set<String> = []
                for _ in 0..<50 { ids.insert(try await probe.submit(["sh", "-c", "sleep 0.1"])) }
                let events = try await probe.jobEvents(for: ids, timeout: .seconds(180))
                #expect(Set(events.filter { $0.state == .completed }.map(\.jobID)) == ids)
                // The runs as the results time them (a job this short may announce no `running`: its end
                // implies it), on the worker's own clock; an end sorts before a start at the same instant.
                let results = events.filter { $0.workerID == worker.id && $0.state.isTerminal }.compactMap(\.result)
                var edges: [(time: Double, step: Int)] = []
                for result in results {
                    edges.append((result.startedAt, 1))
                    edges.append((result.finishedAt, -1))
                }
                edges.sort { $0.time < $1.time || ($0.time == $1.time && $0.step < $1.step) }
                var current = 0
                var peak = 0
                for (_, step) in edges {
                    current += step
                    peak = max(peak, current)
                }
                #expect(peak <= 3)
                #expect(peak >= 1)
            }
        }

        @Test("SIGTERM lets the running job finish, advertises offline and exits 0")
        func sigtermDrains() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, extra: "drain_grace_period: 30s") }) { probe, worker in
                let id = try await probe.submit(["sh", "-c", "sleep 1; echo done"])
                _ = try await probe.collect(probe.events) { deliveries in
                    deliveries.contains { $0.routingKey == BrokerProbe.eventKey(id, .running) }
                }
                worker.signal(SIGTERM)
                let status = await worker.waitForExit()
                #expect(status == 0)
                let advertKey = Topology.advertRoutingKey(workerID: worker.id)
                func isOffline(_ delivery: Delivery) -> Bool {
                    delivery.routingKey == advertKey && String(decoding: delivery.body, as: UTF8.self).contains("\"offline\"")
                }
                let deliveries = try await probe.collect(probe.events, timeout: .seconds(10)) { deliveries in
                    deliveries.contains(where: isOffline)
                        && deliveries.contains {
                            $0.routingKey.hasPrefix("job.\(BrokerProbe.submitter).\(id).") && $0.routingKey != BrokerProbe.eventKey(id, .running)
                        }
                }
                let final = deliveries.compactMap { try? JSONCodec.decode(JobEvent.self, from: $0.body) }.first { $0.jobID == id && $0.state.isTerminal }
                #expect(final?.state == .completed)
                #expect(deliveries.contains(where: isOffline))
            }
        }

        @Test("kill -9 of the worker mid-job: the job is redelivered and completed by another worker")
        func killedWorkerJobIsRedelivered() async throws {
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url)
            let first = try await WorkerProcess(url: url)
            try await withCleanup {
                await first.stop(); await probe.close()
            } do: {
                // Long enough that the kill always lands while it runs, even on a loaded machine.
                let id = try await probe.submit(["sh", "-c", "sleep 10; echo finished"], maxAttempts: 3)
                var runningOn = ""
                _ = try await probe.collect(probe.events) { deliveries in
                    if let event = deliveries.compactMap({ try? JSONCodec.decode(JobEvent.self, from: $0.body) })
                        .first(where: { $0.jobID == id && $0.state == .running })
                    {
                        runningOn = event.workerID ?? ""
                        return true
                    }
                    return false
                }
                try #require(runningOn == first.id)
                first.signal(SIGKILL)
                _ = await first.waitForExit()
                let second = try await WorkerProcess(url: url)
                try await withCleanup {
                    await second.stop()
                } do: {
                    let events = try await probe.jobEvents(for: [id], timeout: .seconds(90))
                    let final = try #require(events.first { $0.state.isTerminal })
                    #expect(final.state == .completed)
                    #expect(final.workerID != first.id)
                    #expect((final.result?.attempt ?? 0) >= 2)
                }
            }
        }
    }
}
