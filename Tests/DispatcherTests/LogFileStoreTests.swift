import Dispatcher
import Foundation
import JobletCore
import TestSupport
import Testing

/// Large log chunks are kept in one file per job beside the database: what `rnx logs` reads back must
/// be exactly what the worker sent, stored once, gone with the job, and never a wrong chunk.
@Suite("job store: log chunks in files")
struct LogFileStoreTests {
    static let large = 200 << 10

    struct Stored {
        let store: JobStore
        let directory: String
        let jobID: String
        var logFile: String { directory + "/logs/" + jobID }
    }

    /// A job that worker `w1` runs.
    func runningJob(in directory: String = ScratchPath.make("logfile-test")) async throws -> Stored {
        let store = try JobStore(directory: directory)
        let id = JobID.generate()
        let message = JobMessage(
            jobID: id, runtimeID: nil, request: JobRequest(command: ["true"]), submitter: "alice", submittedAt: 1000)
        try await store.insert(NewJob(message: message, target: "host@x86_64", queue: Topology.jobQueue(target: "host@x86_64"), messageID: nil))
        #expect(try await store.apply(JobEvent(jobID: id, state: .running, time: 1001, workerID: "w1", attempt: 1)))
        return Stored(store: store, directory: directory, jobID: id)
    }

    func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    @Test("large and small chunks read back in order, byte for byte, also after reopening")
    func largeChunksReadBackExactly() async throws {
        let job = try await runningJob()
        let chunks = [
            LogChunk(jobID: job.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 1)),
            LogChunk(jobID: job.jobID, seq: 1, stream: "stderr", data: Array("a line\n".utf8)),
            LogChunk(jobID: job.jobID, seq: 2, stream: "stdout", data: bytes(Self.large + 7, seed: 2)),
        ]
        #expect(try await job.store.append(chunks.map { ($0, "w1") }, byteCap: 1 << 30) == [true, true, true])
        #expect(try await job.store.logs(jobID: job.jobID, sinceSeq: 0, maxBytes: 1 << 30).chunks == chunks)
        // Only the large ones are in the file.
        #expect(FileSize.of(job.logFile) == 2 * Self.large + 7)

        let reopened = try JobStore(directory: job.directory)
        #expect(try await reopened.logs(jobID: job.jobID, sinceSeq: 1, maxBytes: 1 << 30).chunks == Array(chunks[1...]))
        // A reply stops before the chunk that would pass maxBytes, and says there is more.
        let first = try await reopened.logs(jobID: job.jobID, sinceSeq: 0, maxBytes: Self.large + 100)
        #expect(first.chunks == Array(chunks[0...1]))
        #expect(first.more)
    }

    @Test("a copy of a large chunk, in the same batch or a later one, is not appended again")
    func copiesAreStoredOnce() async throws {
        let job = try await runningJob()
        let chunk = LogChunk(jobID: job.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 3))
        #expect(try await job.store.append([(chunk, "w1"), (chunk, "w1")], byteCap: 1 << 30) == [true, false])
        #expect(try await job.store.append([(chunk, "w1")], byteCap: 1 << 30) == [false])
        #expect(FileSize.of(job.logFile) == Self.large)
        #expect(try await job.store.logStats(jobID: job.jobID).count == 1)
        #expect(try await job.store.logs(jobID: job.jobID, sinceSeq: 0, maxBytes: 1 << 30).chunks == [chunk])
    }

    @Test("deleting a job removes its log file; a file whose job is gone is removed at the next start")
    func filesGoWithTheirJobs() async throws {
        let job = try await runningJob()
        let chunk = LogChunk(jobID: job.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 4))
        #expect(try await job.store.append(chunk, worker: "w1", byteCap: 1 << 30))
        let kept = try await runningJob(in: job.directory)
        #expect(
            try await kept.store.append(LogChunk(jobID: kept.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 5)), worker: "w1", byteCap: 1 << 30)
        )
        #expect(try await job.store.delete(jobIDs: [job.jobID]) == 1)
        #expect(FileSize.of(job.logFile) == nil)

        // As if the dispatcher stopped between a delete's commit and the unlink.
        let orphan = job.directory + "/logs/" + JobID.generate()
        #expect(FileManager.default.createFile(atPath: orphan, contents: Data(count: 10)))
        _ = try JobStore(directory: job.directory)
        #expect(FileSize.of(orphan) == nil)
        #expect(FileSize.of(kept.logFile) == Self.large)
    }

    @Test("a log file shorter than its rows say is an error, never a short or shifted chunk")
    func aDamagedFileIsAnError() async throws {
        let job = try await runningJob()
        let chunk = LogChunk(jobID: job.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 6))
        #expect(try await job.store.append(chunk, worker: "w1", byteCap: 1 << 30))
        #expect(truncate(job.logFile, off_t(Self.large / 2)) == 0)
        await #expect(throws: DispatcherError.self) {
            _ = try await job.store.logs(jobID: job.jobID, sinceSeq: 0, maxBytes: 1 << 30)
        }
    }

    @Test("a chunk over the byte cap is not written to the file")
    func theCapHoldsForFiles() async throws {
        let job = try await runningJob()
        let chunk = LogChunk(jobID: job.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 7))
        #expect(try await !job.store.append(chunk, worker: "w1", byteCap: Int64(Self.large - 1)))
        #expect((FileSize.of(job.logFile) ?? 0) == 0)
        #expect(try await job.store.record(jobID: job.jobID)?.logsTruncated == true)
    }
}

extension LogFileStoreTests {
    @Test("a batch that fails leaves no bytes behind in the other jobs' files (it comes back from the broker)")
    func aFailedBatchIsCutBack() async throws {
        let first = try await runningJob()
        let second = try await runningJob(in: first.directory)
        let kept = LogChunk(jobID: first.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 8))
        #expect(try await first.store.append(kept, worker: "w1", byteCap: 1 << 30))
        // The second job's file cannot be opened for writing.
        #expect(mkdir(second.logFile, 0o700) == 0)
        let batch = [
            (LogChunk(jobID: first.jobID, seq: 1, stream: "stdout", data: bytes(Self.large, seed: 9)), "w1"),
            (LogChunk(jobID: second.jobID, seq: 0, stream: "stdout", data: bytes(Self.large, seed: 10)), "w1"),
        ]
        await #expect(throws: DispatcherError.self) { try await first.store.append(batch, byteCap: 1 << 30) }
        #expect(FileSize.of(first.logFile) == Self.large)
        #expect(try await first.store.logs(jobID: first.jobID, sinceSeq: 0, maxBytes: 1 << 30).chunks == [kept])
    }
}
