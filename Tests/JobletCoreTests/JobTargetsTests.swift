import JobletCore
import Testing

/// The targets a worker consumes are the queues the dispatcher declares for its advert: both sides
/// derive them with `Topology.jobTargets`, and hostile names never become queue names.
@Suite struct JobTargetsTests {
    @Test func hostAndEachRuntimeOnTheArchAndTheirNetTwinsWhereNetworksAreOffered() {
        #expect(
            Topology.jobTargets(arch: "x86_64", runtimeIDs: ["python-3.11", "node-20"], networked: false)
                == ["host@x86_64", "python-3.11@x86_64", "node-20@x86_64"])
        #expect(
            Topology.jobTargets(arch: "aarch64", runtimeIDs: ["go-1.22"], networked: true)
                == ["host@aarch64", "go-1.22@aarch64", "host@aarch64+net", "go-1.22@aarch64+net"])
    }

    @Test func namesThatCannotBeAQueueNamePartAreLeftOut() {
        let hostile = ["a@b", "x+net", "", "dir/../up", "sp ace", "é", String(repeating: "r", count: 101)]
        #expect(Topology.jobTargets(arch: "x86_64", runtimeIDs: hostile + ["ok_1.2-3"], networked: false) == ["host@x86_64", "ok_1.2-3@x86_64"])
        #expect(Topology.jobTargets(arch: "x86@64", runtimeIDs: ["python-3.11"], networked: false).isEmpty)
    }

    @Test func anAdvertOffersNetworksOnlyWithAModeOtherThanNone() {
        var advert = WorkerAdvert(
            workerID: "joblet-worker-a", hostname: "a", arch: "x86_64", kernel: "6.1", cgroupMode: "v2", status: .online,
            runtimes: [RuntimeDescriptor(id: "python-3.11", language: "python", version: "3.11")], queues: [],
            slotsTotal: 1, slotsFree: 1, memoryTotal: 1, memoryAvailable: 1, load1: 0, version: "t", time: 0, interval: 5,
            runningJobs: [], metrics: WorkerMetrics())
        #expect(advert.jobTargets == ["host@x86_64", "python-3.11@x86_64"])
        advert.networks = [JobNetwork.noneMode]
        #expect(advert.jobTargets.count == 2)
        advert.networks = JobNetwork.modes
        #expect(advert.jobTargets.contains("python-3.11@x86_64+net"))
    }
}
