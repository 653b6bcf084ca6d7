import TestSupport

/// A probe and a worker on the shared test broker (`TestBroker.shared()`), both stopped (awaited) when `body`
/// returns or throws: the worker first, then the probe, as `withCleanup` does. `start` makes the worker from the
/// broker's guest URL (pass it to change the worker's arguments); the probe is made before it.
func withWorker<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ start: (String) async throws -> WorkerProcess = { try await WorkerProcess(url: $0) },
    _ body: (BrokerProbe, WorkerProcess) async throws -> T
) async throws -> T {
    let url = try await TestBroker.shared()
    let probe = try await BrokerProbe(url: url)
    let worker = try await start(url)
    return try await withCleanup {
        await worker.stop(); await probe.close()
    } do: {
        try await body(probe, worker)
    }
}

/// As `withWorker`, on a broker node of the test's own (`name`), destroyed afterwards: for tests that restart,
/// alarm or flood the broker, which the shared one must not see.
func withPrivateBrokerWorker<T>(
    _ name: String, isolation: isolated (any Actor)? = #isolation, durableProbe: Bool = false, slots: Int = 2,
    extra: String = "", _ body: (PrivateBroker, BrokerProbe, WorkerProcess) async throws -> T
) async throws -> T {
    let broker = try await TestBroker.startPrivate(name: name)
    return try await withCleanup {
        try? await broker.destroy()
    } do: {
        let probe = try await BrokerProbe(url: broker.url, durable: durableProbe)
        let worker = try await WorkerProcess(url: broker.url, slots: slots, extra: extra)
        return try await withCleanup {
            await worker.stop(); await probe.close()
        } do: {
            try await body(broker, probe, worker)
        }
    }
}
