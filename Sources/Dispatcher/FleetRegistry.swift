import JobletCore
import Synchronization

/// The live fleet, built from worker adverts: who is online, what they run, how much is free.
/// A worker that misses `expiryIntervals` advert intervals is forgotten; an `offline` advert removes it at once.
public final class FleetRegistry: Sendable {
    struct Entry {
        var advert: WorkerAdvert
        var receivedAt: Double
    }

    struct State {
        var workers: [String: Entry] = [:]
        /// Last time each `<runtime>@<arch>` target had a live, online worker.
        var targetSeen: [String: Double] = [:]
    }

    private let state = Mutex(State())
    public let expiryIntervals: Double

    public init(expiryIntervals: Double = 3) {
        self.expiryIntervals = expiryIntervals
    }

    /// Records an advert received at `now` (the receiver's clock, so host clock skew does not matter).
    public func update(_ advert: WorkerAdvert, now: Double) {
        state.withLock { state in
            if advert.status == .offline {
                state.workers[advert.workerID] = nil
                return
            }
            state.workers[advert.workerID] = Entry(advert: advert, receivedAt: now)
            if advert.status == .online {
                for target in advert.jobTargets { state.targetSeen[target] = now }
            }
        }
    }

    /// Workers whose last advert is recent enough, sorted by id.
    public func live(now: Double) -> [WorkerAdvert] {
        state.withLock { state in
            state.workers = state.workers.filter { _, entry in !isExpired(entry, now: now) }
            return state.workers.values.map(\.advert).sorted { $0.workerID < $1.workerID }
        }
    }

    /// When `target` last had a live online worker, if ever since this dispatcher started.
    public func lastSeen(target: String, now: Double) -> Double? {
        let liveTargets = Set(live(now: now).filter { $0.status == .online }.flatMap(\.jobTargets))
        if liveTargets.contains(target) { return now }
        return state.withLock { $0.targetSeen[target] }
    }

    /// Runtimes across live workers, with who offers them and on which architectures.
    public func runtimes(now: Double) -> [FleetRuntime] {
        var byID: [String: FleetRuntime] = [:]
        for worker in live(now: now) {
            for runtime in worker.runtimes {
                var entry = byID[runtime.id] ?? FleetRuntime(runtime: runtime, workers: [], arches: [])
                if !entry.workers.contains(worker.workerID) { entry.workers.append(worker.workerID) }
                if !entry.arches.contains(worker.arch) { entry.arches.append(worker.arch) }
                byID[runtime.id] = entry
            }
        }
        return byID.values.sorted { $0.runtime.id < $1.runtime.id }
    }

    private func isExpired(_ entry: Entry, now: Double) -> Bool {
        let interval = entry.advert.interval > 0 ? entry.advert.interval : 5
        return now - entry.receivedAt > interval * expiryIntervals
    }
}
