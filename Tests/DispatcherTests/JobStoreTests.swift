import Dispatcher
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

struct JobStoreTests {
    func temporaryDirectory() -> String {
        ScratchPath.make("store-test")
    }

    func newJob(_ id: String = JobID.generate(), messageID: String? = nil) -> NewJob {
        NewJob(
            message: JobMessage(
                jobID: id, runtimeID: "python-3.11", request: JobRequest(command: ["true"], runtime: "python:3"),
                submitter: "alice", submittedAt: 1000),
            target: "python-3.11@x86_64", queue: Topology.jobQueue(target: "python-3.11@x86_64"), messageID: messageID)
    }

    @Test func jobsAndSubmissionKeysSurviveReopening() async throws {
        let directory = temporaryDirectory()
        let id = JobID.generate()
        do {
            let store = try JobStore(directory: directory)
            try await store.insert(newJob(id, messageID: "m1"))
            try await store.markRouted(jobID: id)
        }
        let reopened = try JobStore(directory: directory)
        #expect(try await reopened.submission(submitter: "alice", messageID: "m1")?.jobID == id)
        #expect(try await reopened.submission(submitter: "bob", messageID: "m1") == nil)
        #expect(try await reopened.record(jobID: id)?.state == .queued)
    }

    @Test func aTakenSubmissionKeyStoresNothing() async throws {
        let store = try JobStore(directory: temporaryDirectory())
        let first = JobID.generate()
        let second = JobID.generate()
        #expect(try await store.insert(newJob(first, messageID: "m1")))
        #expect(try await store.insert(newJob(second, messageID: "m1")) == false)
        #expect(try await store.submission(submitter: "alice", messageID: "m1")?.jobID == first)
        #expect(try await store.record(jobID: second) == nil)
    }

    @Test func duplicateAndStaleEventsChangeNothing() async throws {
        let store = try JobStore(directory: temporaryDirectory())
        let id = JobID.generate()
        try await store.insert(newJob(id))
        let running = JobEvent(jobID: id, state: .running, time: 1001, workerID: "w1", attempt: 1)
        #expect(try await store.holder(jobID: id) == JobHolder(exists: true, workerID: nil))
        #expect(try await store.apply(running))
        #expect(try await store.holder(jobID: id) == JobHolder(exists: true, workerID: "w1"))
        #expect(try await store.holder(jobID: JobID.generate()) == JobHolder(exists: false, workerID: nil))
        #expect(try await !store.apply(running))
        // A second start (after a lost worker) is a second attempt.
        #expect(try await store.apply(JobEvent(jobID: id, state: .running, time: 1005, workerID: "w2", attempt: 2)))
        let result = JobResult(exitCode: 3, startedAt: 1005, finishedAt: 1010, workerID: "w2", attempt: 2, logChunks: 0)
        #expect(try await store.apply(JobEvent(jobID: id, state: .failed, time: 1010, workerID: "w2", result: result)))
        #expect(try await !store.apply(JobEvent(jobID: id, state: .completed, time: 1011, workerID: "w2", result: result)))
        #expect(try await !store.apply(JobEvent(jobID: id, state: .running, time: 1012, workerID: "w3")))
        let record = try #require(try await store.record(jobID: id))
        #expect(record.state == .failed)
        #expect(record.attempts == 2)
        #expect(record.exitCode == 3)
        #expect(record.workerID == "w2")
        #expect(record.history.map(\.state) == [.queued, .running, .running, .failed])
        #expect(record.history.map(\.workerID) == [nil, "w1", "w2", "w2"])
    }

    /// `unschedulable` is the one end that may move on: a job a returning worker starts is running again,
    /// with no finish time and no reason left from it.
    @Test func anUnschedulableJobThatStartsIsRunningWithoutAFinishTime() async throws {
        let store = try JobStore(directory: temporaryDirectory())
        let id = JobID.generate()
        try await store.insert(newJob(id))
        let reason = "no live worker for python-3.11@x86_64"
        #expect(try await store.mark(jobID: id, .unschedulable, reason: reason, time: 1500, allowedFrom: [.queued]))
        let parked = try #require(try await store.record(jobID: id))
        #expect(parked.state == .unschedulable && parked.finishedAt == 1500 && parked.reason == reason)
        #expect(try await store.apply(JobEvent(jobID: id, state: .running, time: 1600, workerID: "w1", attempt: 1)))
        let running = try #require(try await store.record(jobID: id))
        #expect(running.state == .running)
        #expect(running.finishedAt == nil, "a running job has no finish time")
        #expect(running.reason == nil)
        #expect(running.history.map(\.state) == [.queued, .unschedulable, .running])
    }

    @Test func logChunksAreStoredOnceWithinTheByteCap() async throws {
        let store = try JobStore(directory: temporaryDirectory())
        let id = JobID.generate()
        try await store.insert(newJob(id))
        #expect(try await store.apply(JobEvent(jobID: id, state: .running, time: 1001, workerID: "w1", attempt: 1)))
        let chunk = LogChunk(jobID: id, seq: 0, stream: "stdout", data: Array(repeating: 65, count: 600))
        #expect(try await store.append(chunk, worker: "w1", byteCap: 1000))
        #expect(try await !store.append(chunk, worker: "w1", byteCap: 1000))
        #expect(try await !store.append(LogChunk(jobID: id, seq: 1, stream: "stderr", data: Array(repeating: 66, count: 600)), worker: "w1", byteCap: 1000))
        #expect(try await !store.append(LogChunk(jobID: JobID.generate(), seq: 0, stream: "stdout", data: [1]), worker: "w1", byteCap: 1000))
        // Past the cap nothing more is kept, not even a chunk that would fit: the stored log stays a prefix.
        #expect(try await !store.append(LogChunk(jobID: id, seq: 2, stream: "stderr", data: [67]), worker: "w1", byteCap: 1000))
        #expect(try await store.record(jobID: id)?.logsTruncated == true)
        let stats = try await store.logStats(jobID: id)
        #expect(stats.count == 1)
        #expect(stats.truncated)
        #expect(try await store.logs(jobID: id, sinceSeq: 0, maxBytes: 1 << 20).chunks == [chunk])
        #expect(try await store.delete(jobIDs: [id]) == 1)
        #expect(try await store.logs(jobID: id, sinceSeq: 0, maxBytes: 1 << 20).chunks.isEmpty)
    }

    /// A chunk from anybody but the job's holder never shows, even with the seq of a real one.
    @Test func onlyTheHoldingWorkersChunksAreReturned() async throws {
        let store = try JobStore(directory: temporaryDirectory())
        let id = JobID.generate()
        try await store.insert(newJob(id))
        let forged = LogChunk(jobID: id, seq: 0, stream: "stdout", data: Array("forged\n".utf8))
        let real = LogChunk(jobID: id, seq: 0, stream: "stdout", data: Array("real\n".utf8))
        #expect(try await store.append(forged, worker: "evil", byteCap: 1 << 20))
        #expect(try await store.logs(jobID: id, sinceSeq: 0, maxBytes: 1 << 20).chunks.isEmpty)
        #expect(try await store.apply(JobEvent(jobID: id, state: .running, time: 1001, workerID: "w1", attempt: 1)))
        #expect(try await store.append(real, worker: "w1", byteCap: 1 << 20))
        #expect(try await store.logs(jobID: id, sinceSeq: 0, maxBytes: 1 << 20).chunks == [real])
        #expect(try await store.logStats(jobID: id).count == 1)
        #expect(try await store.record(jobID: id)?.logsTruncated == nil)
    }

    @Test func prefixesResolveOnlyWhenUnique() async throws {
        let store = try JobStore(directory: temporaryDirectory())
        try await store.insert(newJob("abc1" + String(repeating: "0", count: 28)))
        try await store.insert(newJob("abc2" + String(repeating: "0", count: 28)))
        #expect(try await store.resolve("abc1") == "abc1" + String(repeating: "0", count: 28))
        await #expect(throws: DispatcherError.self) { try await store.resolve("abc") }
        do {
            _ = try await store.resolve("abc")
        } catch let error as DispatcherError {
            #expect(error.code == .ambiguousID)
            #expect(error.message.contains("abc1") && error.message.contains("abc2"))
        }
        #expect((try? await store.resolve("ffff")) == nil)
    }
}

struct DispatcherConfigTests {
    @Test func configErrorsNameLineAndColumn() throws {
        let directory = ScratchPath.make("dispatcher-config")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/dispatcher.yml"
        try "state_dir: /tmp/x\nmax_attempts: 2\nunschedulable_after: soon\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try DispatcherConfig.load(path: path)
            Issue.record("a bad duration was accepted")
        } catch let error as JobletError {
            #expect(error.message.contains("\(path):3:"), "\(error.message)")
            #expect(error.message.contains("unschedulable_after"), "\(error.message)")
        }
    }

    /// Workers take job messages of at most `BodyLimits.job`: an upload limit whose base64 would not fit is
    /// refused at start, not discovered as dead-lettered jobs.
    @Test func maxUploadPastWhatWorkersTakeIsRefused() throws {
        var config = DispatcherConfig()
        config.maxUpload = ByteSize(bytes: Int64(BodyLimits.maxUpload))
        try config.validate()
        #expect(BodyLimits.submission(maxUpload: BodyLimits.maxUpload) <= BodyLimits.job)
        config.maxUpload = ByteSize(bytes: Int64(BodyLimits.maxUpload) + 1)
        #expect {
            try config.validate()
        } throws: { error in
            "\(error)".contains("max_upload: at most 32M")
        }
    }

    /// A quota below the largest volume would refuse every volume of that size: refused at start.
    @Test func volumeQuotaBelowTheLargestVolumeIsRefused() throws {
        var config = DispatcherConfig()
        #expect(config.volumeQuota == ByteSize(bytes: 100 << 30))
        config.volumeQuota = config.maxVolumeSize
        try config.validate()
        config.volumeQuota = ByteSize(bytes: config.maxVolumeSize.bytes - 1)
        #expect {
            try config.validate()
        } throws: { error in
            "\(error)".contains("volume_quota: at least max_volume_size (10G)")
        }
    }

    @Test func maxNetworksOutsideItsRangeIsRefused() throws {
        var config = DispatcherConfig()
        #expect(config.maxNetworks == 64)
        config.maxNetworks = 0
        try config.validate()
        for wrong in [-1, 10_001] {
            config.maxNetworks = wrong
            #expect {
                try config.validate()
            } throws: { error in
                "\(error)".contains("max_networks: give 0-10000 (it is \(wrong))")
            }
        }
    }

    @Test func shippedSampleConfigLoads() throws {
        let loaded = try DispatcherConfig.load(path: RepositoryRoot.path + "/config/dispatcher.yml")
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.config.maxAttempts == 2)
        #expect(loaded.config.unschedulableAfter == JobDuration(seconds: 600))
        #expect(loaded.config.logBytesPerJob == ByteSize(bytes: 65 << 20))
    }
}
