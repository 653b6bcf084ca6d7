import AMQP
import JobletCore
import JobletMessaging

/// Fake workers: adverts published as a worker user would, with no worker behind them.
extension DispatcherHarness {
    /// A fake worker offering one made-up runtime (unique per test, so tests do not see each other's).
    static func fakeWorker(
        runtimeID: String, language: String, version: String, arch: String = "x86_64",
        memoryTotal: Int64 = 8 << 30, slotsFree: Int = 4, minMemory: Int64? = nil
    ) -> WorkerAdvert {
        let runtime = RuntimeDescriptor(id: runtimeID, language: language, version: version, minMemory: minMemory)
        return WorkerAdvert(
            workerID: DispatcherTestUsers.nextFakeWorker(), hostname: "test", arch: arch, kernel: "6.1", cgroupMode: "v2",
            status: .online, runtimes: [runtime],
            queues: [Topology.jobQueue(runtimeID: runtimeID, arch: arch), Topology.jobQueue(runtimeID: nil, arch: arch)],
            slotsTotal: 4, slotsFree: slotsFree, memoryTotal: memoryTotal, memoryAvailable: memoryTotal, load1: 0,
            version: "test", time: Clock.now, interval: 60, runningJobs: [], metrics: WorkerMetrics())
    }

    /// A language name no other test uses.
    static func uniqueLanguage() -> String { "zz" + JobID.short(JobID.generate()) }

    /// A fake worker offering `<language>-<version>` (by default of a language no other test uses),
    /// its advert changed by `change`, advertised and listed by the dispatcher.
    func advertiseFakeWorker(
        language: String = DispatcherHarness.uniqueLanguage(), version: String = "1", change: (inout WorkerAdvert) -> Void = { _ in }
    ) async throws -> (language: String, advert: WorkerAdvert) {
        var advert = Self.fakeWorker(runtimeID: "\(language)-\(version)", language: language, version: version)
        change(&advert)
        try await advertise(advert)
        return (language, advert)
    }

    /// Publishes an advert as its worker user would and waits until the dispatcher lists the worker.
    func advertise(_ advert: WorkerAdvert) async throws {
        try await publishAdvert(advert)
        for _ in 0..<100 {
            if let workers = try await query(RPCRequest(method: .workers)).workers,
                workers.contains(where: { $0.workerID == advert.workerID })
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("the dispatcher never listed worker \(advert.workerID)")
    }

    /// Publishes an advert as its worker user would, without waiting for the dispatcher.
    func publishAdvert(_ advert: WorkerAdvert, persistent: Bool = false) async throws {
        try await channel(asWorker: advert.workerID).publish(
            try JSONCodec.encode(advert), exchange: Topology.eventsExchange,
            routingKey: Topology.advertRoutingKey(workerID: advert.workerID),
            properties: Envelope.properties(type: MessageType.workerAdvert, persistent: persistent))
    }
}
