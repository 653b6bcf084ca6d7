import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension DispatcherClusterTests {
    /// The volume methods and how a submission resolves volumes, on a real dispatcher (the harness's
    /// client is an admin; RNXVolumeTests covers two plain submitters end to end).
    @Suite struct VolumeQueryTests {
        func request(
            _ method: RPCRequest.Method, _ name: String, size: ByteSize? = nil, with user: String? = nil,
            readOnly: Bool? = nil
        ) -> RPCRequest {
            var request = RPCRequest(method: method)
            request.name = name
            request.size = size
            request.with = user
            request.readOnly = readOnly
            return request
        }

        /// Each volume is a disk image on every worker host a job of it ran on: one owner's together
        /// stay within `volume_quota`, made explicitly or on first use by a submission.
        @Test func anOwnersVolumesStayWithinTheQuota() async throws {
            let harness = try await DispatcherHarness(config: "volume_quota: 10G\n")
            defer { harness.terminate() }
            let (language, _) = try await harness.advertiseFakeWorker()
            let tag = JobID.short(JobID.generate())
            let me = DispatcherTestUsers.clientName

            #expect(try await harness.query(request(.volumeCreate, "a-\(tag)", size: ByteSize(bytes: 6 << 30))).ok)
            let over = try await harness.query(request(.volumeCreate, "b-\(tag)", size: ByteSize(bytes: 5 << 30)))
            #expect(over.error?.code == "quota_exceeded")
            #expect(
                over.error?.message
                    == "volume \(me)/b-\(tag) (5G) would take the volumes of \(me) past volume_quota 10G (6G taken): remove one (rnx volume remove NAME) or make it smaller"
            )
            #expect(try await harness.query(request(.volumeCreate, "b-\(tag)", size: ByteSize(bytes: 3 << 30))).ok)
            // 9G taken: a submission naming a new volume (1G on first use) still fits, a second does not.
            #expect(try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", volumes: ["c-\(tag)"])).status == .accepted)
            let refused = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", volumes: ["d-\(tag)"]))
            #expect(refused.error?.code == "quota_exceeded", "\(String(describing: refused.error))")
            let listed = try await harness.query(RPCRequest(method: .volumeList)).volumes?.map(\.name).sorted()
            #expect(listed == ["a-\(tag)", "b-\(tag)", "c-\(tag)"])
            // Removing one makes room again.
            #expect(try await harness.query(request(.volumeRemove, "a-\(tag)")).ok)
            #expect(try await harness.query(request(.volumeCreate, "e-\(tag)", size: ByteSize(bytes: 6 << 30))).ok)
        }

        @Test func volumesAreCreatedSharedResolvedAndRemovedWithTheirRules() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let me = DispatcherTestUsers.clientName
            let name = "v-" + JobID.short(JobID.generate())

            // Sizes within 16M..max_volume_size (10G by default); a name exists once per owner.
            #expect(try await harness.query(request(.volumeCreate, name, size: ByteSize(bytes: 11 << 30))).error?.code == "invalid_request")
            #expect(try await harness.query(request(.volumeCreate, name, size: ByteSize(bytes: 1 << 20))).error?.code == "invalid_request")
            let created = try await harness.query(request(.volumeCreate, name, size: ByteSize(bytes: 64 << 20)))
            #expect(
                created.ok
                    && created.volumes?.first
                        == VolumeInfo(
                            owner: me, name: name, size: ByteSize(bytes: 64 << 20),
                            createdAt: created.volumes?.first?.createdAt ?? 0,
                            access: "owner", shares: []),
                "\(created)")
            #expect(try await harness.query(request(.volumeCreate, name)).error?.code == "already_exists")
            #expect(try await harness.query(request(.volumeCreate, "../etc")).error?.code == "invalid_request")

            // An admin manages anybody's volume as OWNER/NAME; sharing is explicit and listed.
            let theirs = "someone-\(getpid())/\(name)"
            #expect(try await harness.query(request(.volumeCreate, theirs)).volumes?.first?.size == ByteSize(bytes: 1 << 30))
            let shared = try await harness.query(request(.volumeShare, theirs, with: me, readOnly: true))
            #expect(shared.volumes?.first?.shares == [VolumeShare(user: me, readOnly: true)] && shared.volumes?.first?.access == "read_only", "\(shared)")
            #expect(try await harness.query(request(.volumeShare, name, with: "not a user")).error?.code == "invalid_request")
            #expect(try await harness.query(request(.volumeUnshare, name, with: "nobody")).error?.code == "not_found")
            #expect(try await harness.query(request(.volumeRemove, "none-\(name)")).error?.code == "not_found")
            let listed = try await harness.query(RPCRequest(method: .volumeList)).volumes ?? []
            #expect(listed.contains { $0.owner == me && $0.name == name } && listed.contains { $0.owner == "someone-\(getpid())" })

            // A submission resolves NAME to the submitter's own (made on first use), OWNER/NAME to a share.
            let (language, _) = try await harness.advertiseFakeWorker()
            let notShared = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", volumes: ["other-\(getpid())/\(name)"]))
            #expect(notShared.status == .rejected && notShared.error?.code == "not_found", "\(notShared)")
            let reply = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", volumes: [name, theirs]))
            #expect(reply.status == .rejected && reply.error?.message.contains("two volumes named") == true, "\(reply)")
            let fresh = "f-" + JobID.short(JobID.generate())
            let accepted = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", volumes: [fresh, theirs]))
            let jobID = try #require(accepted.jobID, "\(accepted)")
            let queue = Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64")
            var delivery: Delivery?
            for _ in 0..<100 where delivery == nil {
                delivery = try await harness.channel.get(queue: queue)
                if delivery == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let message = try JSONCodec.decode(JobMessage.self, from: try #require(delivery).body)
            #expect(message.jobID == jobID)
            let volumes = try #require(message.volumes)
            #expect(volumes.map { "\($0.owner)/\($0.name)" } == ["\(me)/\(fresh)", theirs])
            #expect(volumes.map(\.readOnly) == [false, true] && volumes[0].size == ByteSize(bytes: 1 << 30))

            // In use by a queued job: not removed. Once the job is over (cancelled), removed everywhere.
            let control = try await harness.controlQueue(workerID: nil)
            let busy = try await harness.query(request(.volumeRemove, theirs))
            #expect(busy.error?.code == "volume_in_use" && busy.error?.message.contains(jobID) == true, "\(busy)")
            #expect(try await harness.query(RPCRequest(method: .cancel, jobID: jobID)).ok)
            #expect(try await harness.query(request(.volumeRemove, theirs)).ok)
            var commands: [ControlCommand] = []
            for _ in 0..<100 where !commands.contains(where: { $0.command == .volumeRemove }) {
                if let got = try await harness.channel.get(queue: control) {
                    commands.append(try JSONCodec.decode(ControlCommand.self, from: got.body))
                    #expect(got.properties.userID == harness.users.dispatcher.name)
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let removal = try #require(commands.first { $0.command == .volumeRemove })
            #expect(removal.owner == "someone-\(getpid())" && removal.volume == name)
            #expect(try await harness.query(request(.volumeShare, theirs, with: me)).error?.code == "not_found")
        }
    }
}
