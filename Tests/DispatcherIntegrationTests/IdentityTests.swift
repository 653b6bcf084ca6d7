import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    /// Who may cancel and delete, with real broker users: the dispatcher trusts `user_id` because
    /// RabbitMQ refuses a `user_id` that is not the connection's user.
    @Suite struct IdentityTests {
        @Test func onlyTheSubmitterOrAnAdminMayCancelOrDelete() async throws {
            let tag = JobID.short(JobID.generate())
            let admin = "boss-" + tag
            let reader = "auditor-" + tag
            let harness = try await DispatcherHarness(extraArguments: ["--admin", admin, "--reader", reader])
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let alice = try await BrokerUserClient(user: "alice-" + tag, harness: harness)
            let bob = try await BrokerUserClient(user: "bob-" + tag, harness: harness)
            let boss = try await BrokerUserClient(user: admin, harness: harness, role: "admin")

            let reply = try await alice.submit(JobRequest(command: ["sleep", "60"], runtime: "\(language):1"))
            #expect(reply.status == .accepted, "\(String(describing: reply.error))")
            let jobID = try #require(reply.jobID)
            let submitted = try await alice.query(RPCRequest(method: .status, jobID: jobID))
            #expect(submitted.job?.submitter == alice.user)

            // Bob sees nothing of it (exactly as if it did not exist), so he can neither cancel nor delete it.
            #expect(try await bob.query(RPCRequest(method: .status, jobID: jobID)).error?.code == "not_found")
            let cancelByBob = try await bob.query(RPCRequest(method: .cancel, jobID: jobID))
            #expect(cancelByBob.ok == false)
            #expect(cancelByBob.error?.code == "not_found")
            #expect(try await harness.query(RPCRequest(method: .status, jobID: jobID)).job?.state == .queued)

            // The admin may cancel it.
            let cancelByAdmin = try await boss.query(RPCRequest(method: .cancel, jobID: jobID))
            #expect(cancelByAdmin.ok, "\(String(describing: cancelByAdmin.error))")
            #expect(cancelByAdmin.job?.state == .cancelled)
            #expect(cancelByAdmin.job?.reason == "cancelled by \(admin) while queued")

            let deleteByBob = try await bob.query(RPCRequest(method: .delete, jobID: jobID))
            #expect(deleteByBob.error?.code == "not_found")
            // A reader sees it, but may not change it.
            let auditor = try await BrokerUserClient(user: reader, harness: harness, role: "reader")
            #expect(try await auditor.query(RPCRequest(method: .status, jobID: jobID)).job?.submitter == alice.user)
            let deleteByReader = try await auditor.query(RPCRequest(method: .delete, jobID: jobID))
            #expect(deleteByReader.error?.code == "forbidden")
            #expect(deleteByReader.error?.message == "only \(alice.user) (who submitted it) or an admin may delete this job")
            await auditor.close()
            // A bulk delete by Bob only ever touches Bob's own jobs.
            let bulkByBob = try await bob.query(RPCRequest(method: .delete, before: Clock.now + 60))
            #expect(bulkByBob.deleted == 0)
            #expect(try await harness.query(RPCRequest(method: .status, jobID: jobID)).job?.state == .cancelled)

            let deleteByAdmin = try await boss.query(RPCRequest(method: .delete, jobID: jobID))
            #expect(deleteByAdmin.deleted == 1)
            #expect(try await harness.query(RPCRequest(method: .status, jobID: jobID)).error?.code == "not_found")

            // And the submitter may cancel her own job.
            let second = try #require(try await alice.submit(JobRequest(command: ["sleep", "60"], runtime: "\(language):1")).jobID)
            let cancelByAlice = try await alice.query(RPCRequest(method: .cancel, jobID: second))
            #expect(cancelByAlice.job?.state == .cancelled)
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
            await alice.close()
            await bob.close()
            await boss.close()
        }

        /// Bob cannot pretend to be Alice: the broker closes his channel (406 PRECONDITION_FAILED) and
        /// the message never reaches the dispatcher.
        @Test func theBrokerRefusesASpoofedUserID() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let tag = JobID.short(JobID.generate())
            let bob = try await BrokerUserClient(user: "bob-" + tag, harness: harness)
            let channel = try await bob.connection.openChannel()
            try await channel.enableConfirms()
            var properties = Envelope.properties(type: MessageType.rpcRequest, persistent: false)
            properties.userID = "alice-" + tag
            var refused: AMQPError?
            do {
                try await channel.publish(
                    try JSONCodec.encode(RPCRequest(method: .delete, before: Clock.now + 60)),
                    exchange: Topology.apiExchange, routingKey: Topology.rpcRoutingKey, properties: properties)
                // A publish is asynchronous: the channel error may surface on the next operation.
                _ = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true)
            } catch let error as AMQPError {
                refused = error
            }
            let error = try #require(refused, "the broker accepted user_id \(properties.userID ?? "") from \(bob.user)")
            #expect(error.code == .channelClosed)
            #expect(error.replyCode == 406)
            #expect("\(error)".contains("user_id property set to '\(properties.userID ?? "")' but authenticated user was '\(bob.user)'"), "\(error)")
            await bob.close()
        }
    }
}

extension DispatcherClusterTests {
    /// `submitter_quota`: queued + running jobs per submitter; over it a submission is rejected at once
    /// (never parked), and the quota frees up as that submitter's jobs end.
    @Suite struct QuotaTests {
        @Test func submitterOverTheQuotaIsRejectedUntilAJobEnds() async throws {
            let harness = try await DispatcherHarness(extraArguments: ["--submitter-quota", "2"])
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let carol = try await BrokerUserClient(user: "carol-" + JobID.short(JobID.generate()), harness: harness)
            let request = JobRequest(command: ["sleep", "60"], runtime: "\(language):1")

            let firstKey = JobID.generate()
            let first = try await carol.submit(request, messageID: firstKey)
            let second = try await carol.submit(request)
            #expect(first.status == .accepted)
            #expect(second.status == .accepted)
            let third = try await carol.submit(request)
            #expect(third.status == .rejected)
            #expect(third.jobID == nil)
            #expect(third.error?.code == "quota_exceeded")
            #expect(third.error?.message == "\(carol.user) already has 2 queued or running jobs (the quota); wait for some to finish or cancel them")
            // A repeat of an accepted submission (same message_id) is its duplicate, quota or not.
            let repeated = try await carol.submit(request, messageID: firstKey)
            #expect(repeated.status == .accepted)
            #expect(repeated.duplicate == true)
            #expect(repeated.jobID == first.jobID)

            // The quota is per submitter: the harness's user is not affected by carol's jobs.
            #expect(try await harness.submit(request).status == .accepted)

            // Once one of carol's jobs ends, she may submit again.
            let firstID = try #require(first.jobID, "an accepted job has an id")
            let cancelled = try await carol.query(RPCRequest(method: .cancel, jobID: firstID))
            #expect(cancelled.job?.state == .cancelled)
            #expect(try await carol.submit(request).status == .accepted)
            let listed = try await harness.query(RPCRequest(method: .list, submitter: carol.user)).jobs ?? []
            #expect(listed.count == 3)
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
            await carol.close()
        }

        @Test("a burst of submissions handled concurrently still gets exactly the quota accepted")
        func concurrentSubmissionsDoNotOvershootTheQuota() async throws {
            let harness = try await DispatcherHarness(extraArguments: ["--submitter-quota", "3"])
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let dave = try await BrokerUserClient(user: "dave-" + JobID.short(JobID.generate()), harness: harness)
            let request = JobRequest(command: ["sleep", "60"], runtime: "\(language):1")
            let replies = try await withThrowingTaskGroup(of: SubmitReply.self) { group in
                for _ in 0..<16 { group.addTask { try await dave.submit(request) } }
                return try await group.reduce(into: [SubmitReply]()) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == .accepted }.count == 3)
            #expect(replies.filter { $0.error?.code == "quota_exceeded" }.count == 13)
            let listed = try await harness.query(RPCRequest(method: .list, submitter: dave.user)).jobs ?? []
            #expect(listed.count == 3)
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
            await dave.close()
        }
    }
}
