import Foundation
import JobletCore
import Testing

/// Jobs with a network go only where one is offered, into their own `+net` queue; what no worker
/// offers is rejected at submit naming what is on offer.
extension DispatcherClusterTests {
    @Suite struct NetworkRoutingTests {
        @Test func aBridgedJobIsRejectedUntilAWorkerOffersBridgeThenRoutedToTheNetQueue() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let runtime = "\(language)-1"

            let none = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: "none"))
            #expect(none.status == .accepted, "\(String(describing: none.error))")
            #expect(none.queue == Topology.jobQueue(runtimeID: runtime, arch: "x86_64"))

            let refused = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: "bridge"))
            #expect(refused.status == .rejected)
            #expect(refused.error?.code == "network_unavailable")
            #expect(
                refused.error?.message.hasPrefix("network: no worker that can run \(runtime) offers network bridge; they offer: none") == true,
                "\(String(describing: refused.error))")

            _ = try await harness.advertiseFakeWorker(language: language) { $0.networks = JobNetwork.modes }
            let accepted = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: "bridge"))
            #expect(accepted.status == .accepted, "\(String(describing: accepted.error))")
            #expect(accepted.queue == Topology.jobQueue(runtimeID: runtime, arch: "x86_64", network: true))
        }

        @Test func namedNetworksAreMadeListedAndRemovedOnlyWhenNoJobUsesThem() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker { $0.networks = JobNetwork.modes }.language
            let name = "n\(language)"

            let missing = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: name))
            #expect(missing.error?.code == "not_found")
            #expect(missing.error?.message == "network: you have no network \(name); create it first: rnx network create \(name)")

            var create = RPCRequest(method: .networkCreate)
            create.name = name
            let created = try await harness.query(create)
            #expect(created.networks?.first?.name == name, "\(String(describing: created.error))")
            #expect(try await harness.query(create).error?.code == "already_exists")
            let listed = try await harness.query(RPCRequest(method: .networkList)).networks ?? []
            #expect(listed.contains { $0.name == name && $0.owner == DispatcherTestUsers.clientName })

            let queued = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: name))
            #expect(queued.status == .accepted, "\(String(describing: queued.error))")
            var remove = RPCRequest(method: .networkRemove)
            remove.name = name
            let inUse = try await harness.query(remove)
            #expect(inUse.error?.code == "network_in_use")
            #expect(inUse.error?.message.contains(queued.jobID ?? "?") == true)

            var cancel = RPCRequest(method: .cancel, jobID: queued.jobID)
            cancel.jobID = queued.jobID
            _ = try await harness.query(cancel)
            let removed = try await harness.query(remove)
            #expect(removed.ok, "\(String(describing: removed.error))")
            let after = try await harness.query(RPCRequest(method: .networkList)).networks ?? []
            #expect(!after.contains { $0.name == name })
        }

        /// Each network is a row every listing answers with: one owner may make only `max_networks`.
        @Test func anOwnersNetworksStayWithinMaxNetworks() async throws {
            let harness = try await DispatcherHarness(config: "max_networks: 2\n")
            defer { harness.terminate() }
            let tag = JobID.short(JobID.generate())
            func call(_ method: RPCRequest.Method, _ name: String) async throws -> RPCResponse {
                var request = RPCRequest(method: method)
                request.name = name
                return try await harness.query(request)
            }
            #expect(try await call(.networkCreate, "a-\(tag)").ok)
            #expect(try await call(.networkCreate, "b-\(tag)").ok)
            let over = try await call(.networkCreate, "c-\(tag)")
            #expect(over.error?.code == "quota_exceeded")
            #expect(
                over.error?.message
                    == "\(DispatcherTestUsers.clientName) has 2 networks, the most the dispatcher allows (max_networks); remove one first (rnx network remove NAME)"
            )
            // An existing name is still that, not a quota matter.
            #expect(try await call(.networkCreate, "a-\(tag)").error?.code == "already_exists")
            #expect(try await harness.query(RPCRequest(method: .networkList)).networks?.map(\.name).sorted() == ["a-\(tag)", "b-\(tag)"])
            #expect(try await call(.networkRemove, "a-\(tag)").ok)
            #expect(try await call(.networkCreate, "c-\(tag)").ok)
        }

        @Test func anInvalidNetworkIsAnInvalidRequestNamingTheField() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let reply = try await harness.submit(JobRequest(command: ["true"], network: "Not A Name"))
            #expect(reply.error?.code == "invalid_request")
            #expect(reply.error?.message.hasPrefix("network: \"Not A Name\" is not a network") == true, "\(String(describing: reply.error))")
        }
    }
}
