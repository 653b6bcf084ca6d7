import Foundation
import JobletCore
import TestSupport
import Testing
@testable import Dispatcher

/// Worker events applied a batch per transaction keep the one-at-a-time rules: each event is judged
/// against the holder as the events before it in the batch left it.
struct EventBatchTests {
    let store: JobStore
    let jobID = JobID.generate()

    init() async throws {
        store = try JobStore(directory: ScratchPath.make("batch-test"))
        try await store.insert(
            NewJob(
                message: JobMessage(
                    jobID: jobID, runtimeID: nil, request: JobRequest(command: ["true"]),
                    submitter: "alice", submittedAt: 1000),
                target: "host@x86_64", queue: Topology.jobQueue(target: "host@x86_64"), messageID: nil))
    }

    func apply(_ events: [WorkerEvent]) async throws -> [EventOutcome] {
        try await store.apply(events) { Dispatcher.eventRefusal($0.event, from: $0.worker, holder: $1) }
    }

    func result(_ worker: String) -> JobResult {
        JobResult(exitCode: 0, startedAt: 1001, finishedAt: 1002, workerID: worker, attempt: 1, logChunks: 0)
    }

    @Test("a start and its end in one batch both count; another worker's end in the same batch is refused")
    func startAndEndInOneBatch() async throws {
        let outcomes = try await apply([
            WorkerEvent(event: JobEvent(jobID: jobID, state: .running, time: 1001, workerID: "w1", attempt: 1), worker: "w1"),
            WorkerEvent(event: JobEvent(jobID: jobID, state: .failed, time: 1002, workerID: "w2", result: result("w2")), worker: "w2"),
            WorkerEvent(event: JobEvent(jobID: jobID, state: .completed, time: 1002, workerID: "w1", result: result("w1")), worker: "w1"),
        ])
        #expect(outcomes[0] == .applied)
        guard case .refused(let reason) = outcomes[1] else { Issue.record("w2's end was believed: \(outcomes[1])"); return }
        #expect(reason.contains("w2 does not hold job"))
        // The end names the stored submitter, whom the dispatcher tells the recorded end.
        #expect(outcomes[2] == .ended(submitter: "alice"))
        let record = try #require(try await store.record(jobID: jobID))
        #expect(record.state == .completed)
        #expect(record.workerID == "w1")
    }

    @Test("a duplicate in the batch changes nothing, and a start of the ended job asks for the copy to be stopped")
    func duplicatesAndCopies() async throws {
        let start = WorkerEvent(event: JobEvent(jobID: jobID, state: .running, time: 1001, workerID: "w1", attempt: 1), worker: "w1")
        let end = WorkerEvent(event: JobEvent(jobID: jobID, state: .completed, time: 1002, workerID: "w1", result: result("w1")), worker: "w1")
        let copy = WorkerEvent(event: JobEvent(jobID: jobID, state: .running, time: 1003, workerID: "w3", attempt: 2), worker: "w3")
        #expect(try await apply([start, start, end, end, copy]) == [.applied, .unchanged, .ended(submitter: "alice"), .unchanged, .copyOfEnded(.completed)])
        #expect(try await store.record(jobID: jobID)?.attempts == 1)
    }

    @Test("an end that implies its running starts and ends the attempt, also after another worker's attempt")
    func endImplyingItsRunning() async throws {
        let lostStart = WorkerEvent(event: JobEvent(jobID: jobID, state: .running, time: 1000.5, workerID: "w1", attempt: 1), worker: "w1")
        let end = WorkerEvent(
            event: JobEvent(jobID: jobID, state: .completed, time: 1002, workerID: "w2", attempt: 2, result: result("w2"), impliesRunning: true),
            worker: "w2")
        // Without the flag the same end is refused: w2 never said it runs the job.
        var plain = end
        plain.event.impliesRunning = nil
        #expect(try await apply([lostStart, plain]).last.map { if case .refused = $0 { true } else { false } } == true)

        #expect(try await apply([end, end]) == [.ended(submitter: "alice"), .unchanged])
        let record = try #require(try await store.record(jobID: jobID))
        #expect(record.state == .completed)
        #expect(record.workerID == "w2")
        #expect(record.attempts == 2)
        #expect(record.startedAt == 1001)
        #expect(record.history.map(\.state) == [.queued, .running, .running, .completed])
    }

    @Test("only the end of a run implies a running: a rejection with the flag starts no attempt")
    func aRejectionImpliesNoRunning() async throws {
        let rejection = WorkerEvent(
            event: JobEvent(jobID: jobID, state: .rejected, time: 1002, workerID: "w1", reason: "limits", impliesRunning: true),
            worker: "w1")
        #expect(try await apply([rejection]) == [.ended(submitter: "alice")])
        let record = try #require(try await store.record(jobID: jobID))
        #expect(record.attempts == 0)
        #expect(record.history.map(\.state) == [.queued, .rejected])
        // An end without a result has no start to imply either.
        #expect(JobEvent(jobID: jobID, state: .failed, time: 1, workerID: "w1", impliesRunning: true).impliedRunning == nil)
    }

    @Test("an end implying a running names its sender like any event, and a refused start refuses the end")
    func impliedRunningOfAnotherWorkerIsRefused() async throws {
        let forged = WorkerEvent(
            event: JobEvent(jobID: jobID, state: .completed, time: 1002, workerID: "w1", attempt: 1, result: result("w1"), impliesRunning: true),
            worker: "mallory")
        guard case .refused(let reason) = try await apply([forged])[0] else { Issue.record("believed"); return }
        #expect(reason.contains("sent by mallory"))
        #expect(try await store.record(jobID: jobID)?.state == .queued)
    }

    @Test("a worker's event naming another worker is refused before the store is touched")
    func forgedSenderIsRefused() async throws {
        let outcomes = try await apply([
            WorkerEvent(event: JobEvent(jobID: jobID, state: .running, time: 1001, workerID: "w1", attempt: 1), worker: "mallory")
        ])
        guard case .refused(let reason) = outcomes[0] else { Issue.record("believed: \(outcomes[0])"); return }
        #expect(reason.contains("sent by mallory"))
        #expect(try await store.record(jobID: jobID)?.state == .queued)
    }
}
