import JobletCore
import Synchronization

/// What the dispatcher has asked each worker to do about a runtime, in memory: one attempt per
/// (worker, runtime) at a time, a deadline for its result, and a growing pause after each failure,
/// so a worker that cannot install a runtime is retried slowly, never in a loop. Pure logic; the
/// sweep (Dispatcher+Converge) sends what `plan` returns.
public final class RuntimeRollouts: Sendable {
    public enum Target: Sendable, Equatable {
        case deploy(RuntimeDeployOrder)
        case remove(String)
    }

    struct Attempt: Sendable {
        /// Where an attempt stands: each state carries exactly what it needs.
        enum Outcome: Sendable {
            /// Sent; waiting for the worker's result until the deadline.
            case pending
            /// The worker reported success (with its message); the advert should follow.
            case reported(at: Double, message: String)
            /// Failed, and why; sent again from `retryAt`.
            case failed(message: String, retryAt: Double)
        }

        var target: Target
        var sentAt: Double
        var attempts: Int
        var outcome: Outcome = .pending

        /// The worker's report or why the attempt failed; nil while pending.
        var message: String? {
            switch outcome {
            case .pending: nil
            case .reported(_, let message), .failed(let message, _): message
            }
        }

        /// The worker reported success and the advert has not shown it yet.
        var wasReported: Bool {
            if case .reported = outcome { true } else { false }
        }

        /// Marks the attempt failed; it is retried after the backoff for its count.
        mutating func fail(_ message: String, now: Double) {
            outcome = .failed(message: message, retryAt: now + RuntimeRollouts.backoff(attempts))
        }
    }

    struct Key: Hashable, Sendable {
        let worker: String
        let runtime: String
    }

    /// At most this many (worker, runtime) attempts are remembered: workers and runtimes are few,
    /// but worker ids come off the broker.
    static let maxAttempts = 65_536
    /// How long an advert may lag a worker's success report.
    static let advertGrace = 30.0

    private let attempts = Mutex<[Key: Attempt]>([:])

    public init() {}

    /// Seconds to wait after the `attempts`-th failure: 15 s doubling, at most 15 min.
    static func backoff(_ attempts: Int) -> Double {
        min(900, 15 * Double(1 << min(max(attempts - 1, 0), 10)))
    }

    /// How long an order may go without a result: removals are quick; a package is read at 1 MiB/s
    /// at worst, plus the worker's own 120 s idle limit.
    static func deadline(_ target: Target) -> Double {
        switch target {
        case .remove: 120
        case .deploy(let order): 300 + Double(order.size) / Double(1 << 20)
        }
    }

    /// The entry that decides `runtime` for a worker: the latest among its groups.
    public static func resolve(_ desired: [DesiredRuntime], workerID: String, arch: String) -> [String: Target] {
        let groups: Set<String> = ["all", "arch:" + (Architecture.normalize(arch) ?? arch), "worker:" + workerID]
        var best: [String: DesiredRuntime] = [:]
        for entry in desired where groups.contains(entry.group) {
            if let current = best[entry.runtime], current.seq > entry.seq { continue }
            best[entry.runtime] = entry
        }
        return best.mapValues { $0.order.map(Target.deploy) ?? .remove($0.runtime) }
    }

    /// Whether `advert` already matches `target`.
    static func satisfied(_ target: Target, by advert: WorkerAdvert) -> Bool {
        switch target {
        case .deploy(let order): advert.runtimes.contains { $0.id == order.runtime && $0.version == order.version }
        case .remove(let name): !advert.runtimes.contains { $0.id == name }
        }
    }

    /// Records that `target` was sent to `worker` (by the sweep, or forwarded from an admin's rnx).
    public func sent(_ target: Target, runtime: String, to worker: String, now: Double) {
        attempts.withLock { attempts in
            let key = Key(worker: worker, runtime: runtime)
            guard attempts[key] != nil || attempts.count < Self.maxAttempts else { return }
            let previous = attempts[key].map { $0.target == target ? $0.attempts : 0 } ?? 0
            attempts[key] = Attempt(target: target, sentAt: now, attempts: previous + 1)
        }
    }

    /// The orders to send now, given the desired entries and the live adverts; forgets attempts of
    /// workers that match their desired state.
    public func plan(desired: [DesiredRuntime], adverts: [WorkerAdvert], now: Double) -> [(worker: String, runtime: String, target: Target)] {
        attempts.withLock { attempts in
            var orders: [(worker: String, runtime: String, target: Target)] = []
            // Workers gone from the registry are planned afresh when they come back.
            let live = Set(adverts.map(\.workerID))
            attempts = attempts.filter { live.contains($0.key.worker) }
            for advert in adverts where advert.status != .offline {
                for (runtime, target) in Self.resolve(desired, workerID: advert.workerID, arch: advert.arch) {
                    let key = Key(worker: advert.workerID, runtime: runtime)
                    if Self.satisfied(target, by: advert) {
                        attempts[key] = nil
                        continue
                    }
                    if let attempt = attempts[key], attempt.target != target,
                        attempt.wasReported || Self.satisfied(attempt.target, by: advert)
                    {
                        // An earlier order that is done (a deploy superseded by a removal meanwhile).
                        attempts[key] = nil
                    }
                    if var attempt = attempts[key] {
                        switch attempt.outcome {
                        case .reported(let reportedAt, let message):
                            // Reported done but not advertised: the advert is on its way; if it never
                            // shows the runtime, that counts as a failure (never a loop).
                            guard now - reportedAt > Self.advertGrace else { continue }
                            attempt.fail("reported \(message) but does not advertise it", now: now)
                            attempts[key] = attempt
                        case .pending:
                            // Pending (whatever it asked for, so an admin's newer deploy is not undone
                            // before it is committed) until its result or its deadline.
                            guard now - attempt.sentAt > Self.deadline(attempt.target) else { continue }
                            attempt.fail("no result from the worker within \(Int(Self.deadline(attempt.target))) s", now: now)
                            attempts[key] = attempt
                        case .failed:
                            break
                        }
                        if attempt.target == target, case .failed(_, let retryAt) = attempt.outcome, now < retryAt { continue }
                    }
                    orders.append((advert.workerID, runtime, target))
                }
            }
            return orders
        }
    }

    /// A worker's final report on an order: a failure waits for its retry; success waits for the
    /// advert that shows it.
    public func reported(_ report: RuntimeDeployReport, now: Double) {
        guard report.isFinal else { return }
        attempts.withLock { attempts in
            let key = Key(worker: report.workerID, runtime: report.runtime)
            guard var attempt = attempts[key] else { return }
            let matches =
                switch attempt.target {
                case .deploy(let order): order.deployID == report.deployID
                case .remove(let name): name == report.deployID
                }
            if case .failed = attempt.outcome { return }
            guard matches else { return }
            let message = String(report.message.prefix(1024))
            if report.state == .failed {
                attempt.fail(message, now: now)
            } else {
                attempt.outcome = .reported(at: now, message: message)
            }
            attempts[key] = attempt
        }
    }

    /// Per live worker and desired runtime: installed, removed, pending or failed.
    public func status(desired: [DesiredRuntime], adverts: [WorkerAdvert]) -> [RuntimeRollout] {
        let known = attempts.withLock { $0 }
        var rows: [RuntimeRollout] = []
        for advert in adverts {
            let targets = Self.resolve(desired, workerID: advert.workerID, arch: advert.arch)
            for (runtime, target) in targets.sorted(by: { $0.key < $1.key }) {
                let version: String? = if case .deploy(let order) = target { order.version } else { nil }
                let attempt = known[Key(worker: advert.workerID, runtime: runtime)]
                var row = RuntimeRollout(
                    workerID: advert.workerID, runtime: runtime, version: version, state: .pending,
                    message: attempt?.message, attempts: attempt?.attempts ?? 0)
                if Self.satisfied(target, by: advert) {
                    row.state = version == nil ? .removed : .installed
                    row.message = nil
                } else if case .failed(_, let retryAt) = attempt?.outcome {
                    row.state = .failed
                    row.retryAt = retryAt
                } else if advert.status == .offline {
                    row.message = "worker offline"
                } else if attempt == nil {
                    row.message = "order goes out with the next sweep"
                }
                rows.append(row)
            }
        }
        return rows
    }
}
