import AMQP
@testable import JobletClient
import JobletCore
import JobletMessaging
import TestSupport
import Testing

/// The client library as a Swift service uses it, against a real local cluster (broker, dispatcher
/// and worker processes), without the rnx binary.
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct ClusterClientTests {
    /// A chunk as (stream, text), to compare what a follower yielded.
    struct Line: Equatable, CustomStringConvertible {
        var stream: String
        var text: String
        var description: String { "\(stream): \(text.debugDescription)" }
    }

    /// Everything a follower yields: output, then the end.
    func collect(_ events: JobFollower) async throws -> (lines: [Line], outcome: JobOutcome?) {
        var lines: [Line] = []
        var outcome: JobOutcome?
        for try await event in events {
            switch event {
            case .output(let chunk): lines.append(Line(stream: chunk.stream, text: String(decoding: chunk.data, as: UTF8.self)))
            case .ended(let end): outcome = end
            case .state, .logNotStored, .outputMissing: break
            }
        }
        return (lines, outcome)
    }

    @Test func aFollowedJobYieldsItsOutputInOrderOnItsStreamsThenItsExitCode() async throws {
        let cluster = try await LocalCluster.shared()
        try await cluster.withClient { client in
            let request = JobRequest(command: ["sh", "-c", "echo one; echo two >&2; exit 3"])
            let (jobID, events) = try await client.submitAndFollow(request)
            let live = try await collect(events)
            let expected = [Line(stream: "stdout", text: "one\n"), Line(stream: "stderr", text: "two\n")]
            #expect(live.lines == expected)
            #expect(live.outcome?.state == .failed)
            #expect(live.outcome?.result?.exitCode == 3)

            // Attaching after the end: the same output, from the dispatcher's store.
            let replay = try await collect(client.follow(jobID))
            #expect(replay.lines == expected)
            #expect(replay.outcome?.result?.exitCode == 3)
            let record = try await client.status(jobID)
            #expect(record.state == .failed && record.result?.exitCode == 3, "\(record)")
        }
    }

    /// `submitAndFollow` binds to all of the user's jobs before its job exists, and narrows to that job
    /// once another job's message arrives: two runs of one user at once each yield only their own
    /// output, and read few of the other's messages (bound wide to the end, each reads all of the
    /// other's 10 chunks and its events). A user of its own: other tests' jobs are not theirs. A line every
    /// 0.4 s: the narrowing is not waited for, and on a loaded machine it took about a second to reach
    /// the broker, during which lines every 0.15 s (this test's first form) brought 7 messages.
    @Test func twoRunsOfOneUserAtOnceEachYieldOnlyTheirOwnJob() async throws {
        let cluster = try await LocalCluster.shared()
        let client = try await ClusterClient.connect(cluster.clientSettings(as: cluster.submitter("erin-" + JobID.short(JobID.generate()))))
        try await withCleanup({ await client.close() }) {
            func request(_ name: String) -> JobRequest {
                JobRequest(command: ["sh", "-c", "for i in $(seq 10); do echo \(name)$i; sleep 0.4; done"])
            }
            let (_, first) = try await client.submitAndFollow(request("a"))
            let (_, second) = try await client.submitAndFollow(request("b"))
            async let a = readCountingOtherJobs(first)
            async let b = readCountingOtherJobs(second)
            for (name, read) in [("a", try await a), ("b", try await b)] {
                #expect(read.text == (1...10).map { "\(name)\($0)\n" }.joined(), "\(name)")
                #expect(read.otherJobsMessages <= 5, "\(name) read \(read.otherJobsMessages) messages of other jobs")
            }
        }
    }

    /// A follower's output as one text, and how many messages of other jobs it read.
    func readCountingOtherJobs(_ events: JobFollower) async throws -> (text: String, otherJobsMessages: Int) {
        let iterator = events.makeAsyncIterator()
        var text = ""
        while let event = try await iterator.next() {
            if case .output(let chunk) = event { text += String(decoding: chunk.data, as: UTF8.self) }
        }
        return (text, iterator.otherJobsMessages)
    }

    @Test func aCancelledJobEndsCancelled() async throws {
        let cluster = try await LocalCluster.shared()
        try await cluster.withClient { client in
            let jobID = try await client.submit(JobRequest(command: ["sleep", "60"])).jobID
            var cancelled = false
            var outcome: JobOutcome?
            for try await event in client.follow(jobID) {
                switch event {
                case .state(.running) where !cancelled:
                    try await client.cancel(jobID)
                    cancelled = true
                case .ended(let end):
                    outcome = end
                default:
                    break
                }
            }
            #expect(cancelled)
            #expect(outcome?.state == .cancelled)
            #expect(try await client.status(jobID).state == .cancelled)
        }
    }

    /// A follower ends on the dispatcher's recorded end (`recorded.` keys, which only the dispatcher's
    /// role may publish), as it says, without waiting for the store: here the job is still running
    /// when a user with the dispatcher's permissions says it failed with 42.
    @Test func aFollowerEndsOnTheRecordedEnd() async throws {
        let cluster = try await LocalCluster.shared()
        let recorder = try await AMQPConnection.connect(AMQPConfiguration(url: cluster.observer.url, connectionName: "recorder"))
        try await withCleanup({ await recorder.close() }) {
            try await cluster.withClient { client in
                let jobID = try await client.submit(JobRequest(command: ["sleep", "60"])).jobID
                var outcome: JobOutcome?
                for try await event in client.follow(jobID) {
                    switch event {
                    case .state(.running):
                        let result = JobResult(
                            exitCode: 42, startedAt: Clock.now - 1, finishedAt: Clock.now, workerID: cluster.workerID, attempt: 1, logChunks: 0)
                        let end = JobEvent(jobID: jobID, state: .failed, time: Clock.now, workerID: cluster.workerID, result: result)
                        let channel = try await recorder.openChannel()
                        try await channel.publish(
                            try Envelope.encode(end), exchange: Topology.eventsExchange,
                            routingKey: Topology.recordedRoutingKey(submitter: cluster.alice.name, jobID: jobID, state: .failed),
                            properties: Envelope.properties(type: MessageType.jobEvent, persistent: false))
                    case .ended(let end):
                        outcome = end
                    default:
                        break
                    }
                }
                #expect(outcome?.state == .failed)
                #expect(outcome?.result?.exitCode == 42)
                #expect(try await client.status(jobID).state == .running, "the store never had that end")
                try await client.cancel(jobID)
            }
        }
    }

    /// A submitter made before recorded ends existed (events read `^job\.{username}\.`) may not bind their
    /// keys: the follower does without them and takes the end from the dispatcher's status. The broker's
    /// refusal may come while the follow is still being set up or after the submission was written
    /// (timing): a few rounds, each must follow its job.
    @Test func aUserMadeBeforeRecordedEndsStillFollows() async throws {
        let cluster = try await LocalCluster.shared()
        let user = try await cluster.submitter("carol-" + JobID.short(JobID.generate()), reading: Topology.eventsExchange, only: "^job\\.{username}\\.")
        let client = try await ClusterClient.connect(cluster.clientSettings(as: user))
        try await withCleanup({ await client.close() }) {
            for round in 0..<3 {
                let (_, events) = try await client.submitAndFollow(JobRequest(command: ["sh", "-c", "echo ok; exit 4"]))
                let live = try await collect(events)
                #expect(live.lines == [Line(stream: "stdout", text: "ok\n")], "round \(round)")
                #expect(live.outcome?.state == .failed, "round \(round)")
                #expect(live.outcome?.result?.exitCode == 4, "round \(round)")
            }
        }
    }

    /// The follow queue's binds are not waited for one by one: the broker's refusal (bob's keys are
    /// not alice's to bind) must still stop the follow with what the broker said, not a later step.
    @Test func followingAnotherSubmittersJobIsRefusedWithTheBrokersReason() async throws {
        let cluster = try await LocalCluster.shared()
        try await cluster.withClient { client in
            let jobID = "0123456789abcdef0123456789abcdef"
            let error = await #expect(throws: JobletClientError.self) {
                for try await _ in client.follow(jobID, submitter: cluster.bob.name) {}
            }
            #expect(error?.code == .broker, "\(String(describing: error))")
            let message = error?.message ?? ""
            #expect(message.hasPrefix("cannot follow jobs of \(cluster.bob.name): "), "\(message)")
            #expect(message.contains("ACCESS_REFUSED") && message.contains("\(cluster.bob.name).\(jobID)"), "\(message)")
            #expect(!message.contains("consuming"), "names the refused bind, not the consume that reported it: \(message)")

            // The client goes on: its own jobs still run and are followed.
            let (_, events) = try await client.submitAndFollow(JobRequest(command: ["sh", "-c", "echo ok"]))
            let live = try await collect(events)
            #expect(live.lines == [Line(stream: "stdout", text: "ok\n")])
            #expect(live.outcome?.state == .completed)
        }
    }

    /// `submitAndFollow` writes the follow queue's binds and the submission one after the other on one
    /// channel without waiting: a bind the broker refuses (this user may not read log chunks) must stop
    /// it with the broker's reason, and the submission behind it on the channel must not reach the
    /// dispatcher.
    @Test func aSubmissionWhoseFollowTheBrokerRefusesIsNotSubmitted() async throws {
        let cluster = try await LocalCluster.shared()
        let user = try await cluster.submitter("dave-" + JobID.short(JobID.generate()), reading: Topology.logsExchange, only: "^$")
        let client = try await ClusterClient.connect(cluster.clientSettings(as: user))
        try await withCleanup({ await client.close() }) {
            let error = await #expect(throws: JobletClientError.self) {
                _ = try await client.submitAndFollow(JobRequest(command: ["true"]))
            }
            #expect(error?.code == .broker, "\(String(describing: error))")
            let message = error?.message ?? ""
            #expect(message.hasPrefix("cannot follow jobs of \(user.name): "), "\(message)")
            #expect(message.contains("ACCESS_REFUSED") && message.contains(Topology.logsExchange), "\(message)")

            // The client's own channel goes on, and the dispatcher never had the job.
            let listed = try await client.query(RPCRequest(method: .list, submitter: user.name)).jobs ?? []
            #expect(listed.isEmpty, "\(listed.map(\.jobID))")
            let submitted = try await client.submit(JobRequest(command: ["true"]))
            #expect(try await client.query(RPCRequest(method: .list, submitter: user.name)).jobs?.map(\.jobID) == [submitted.jobID])
        }
    }

    @Test func anUnknownJobIsAnErrorFromTheDispatcher() async throws {
        let cluster = try await LocalCluster.shared()
        try await cluster.withClient { client in
            let error = await #expect(throws: JobletClientError.self) {
                try await client.status("0123456789abcdef0123456789abcdef")
            }
            #expect(error?.code == .remote, "\(String(describing: error))")
        }
    }
}
