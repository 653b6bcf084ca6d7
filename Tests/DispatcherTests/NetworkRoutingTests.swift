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
        let language = DispatcherHarness.uniqueLanguage()
        let runtime = "\(language)-1"
        let plain = DispatcherHarness.fakeWorker(runtimeID: runtime, language: language, version: "1")
        try await harness.advertise(plain)

        let none = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: "none"))
        #expect(none.status == .accepted, "\(String(describing: none.error))")
        #expect(none.queue == Topology.jobQueue(runtimeID: runtime, arch: "x86_64"))

        let refused = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: "bridge"))
        #expect(refused.status == .rejected)
        #expect(refused.error?.code == "network_unavailable")
        #expect(refused.error?.message.hasPrefix("network: no worker that can run \(runtime) offers network bridge; they offer: none") == true,
                "\(String(describing: refused.error))")

        var bridged = DispatcherHarness.fakeWorker(runtimeID: runtime, language: language, version: "1")
        bridged.networks = JobNetwork.modes
        try await harness.advertise(bridged)
        let accepted = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", network: "bridge"))
        #expect(accepted.status == .accepted, "\(String(describing: accepted.error))")
        #expect(accepted.queue == "joblet.jobs.\(runtime)@x86_64+net")
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
