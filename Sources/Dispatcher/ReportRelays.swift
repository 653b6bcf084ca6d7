import JobletCore
import Synchronization

/// Callers' `runtime_test` / `runtime_deploy` / `runtime_remove` requests whose worker reports the
/// dispatcher passes on. Workers may not write to the default exchange (so a compromised one cannot
/// publish into any queue by name): they report on `joblet.events` under their own key, and the
/// dispatcher forwards each report to the caller's `reply_to` — only from a worker it asked, only
/// while the request is open. Bounded per caller and in all, each entry forgotten once every worker
/// asked sent its last report or after `idleLifetime` without one.
public final class ReportRelays: Sendable {
    /// Where one request's reports go, and who may still send them.
    public struct Relay: Sendable, Equatable {
        public let caller: String
        public let replyTo: String
        public let correlationID: String?
        /// Workers asked that have not sent their final report yet.
        var waiting: Set<String>
        var lastActivity: Double

        /// Still passing reports on: something came within `idleLifetime`.
        func isOpen(at now: Double) -> Bool { now - lastActivity < ReportRelays.idleLifetime }
    }

    /// Long enough for any runtime test (`runtime_test_timeout`, 60 s by default) and for a deploy's
    /// gaps between reports (a worker gives up after 120 s without a chunk).
    public static let idleLifetime = 600.0
    public static let perCaller = 32
    public static let total = 4096

    private let relays = Mutex<[String: Relay]>([:])

    public init() {}

    /// Opens a relay for a request of `caller` to `workers`; returns its id, which the control
    /// command carries as its correlation id. Throws `quota_exceeded` past the bounds.
    public func open(
        caller: String, replyTo: String, correlationID: String?, workers: Set<String>, now: Double
    ) throws(DispatcherError) -> String {
        let id = JobID.generate()
        try relays.withLock { relays throws(DispatcherError) in
            relays = relays.filter { $0.value.isOpen(at: now) }
            let open = relays.values.count { $0.caller == caller }
            guard open < Self.perCaller, relays.count < Self.total else {
                throw DispatcherError(
                    .quotaExceeded,
                    open >= Self.perCaller
                        ? "\(open) runtime tests or deploys of yours still await workers' reports; wait for them (at most \(Int(Self.idleLifetime)) s)"
                        : "the dispatcher is passing on reports for \(relays.count) runtime tests or deploys; try again shortly")
            }
            relays[id] = Relay(caller: caller, replyTo: replyTo, correlationID: correlationID, waiting: workers, lastActivity: now)
        }
        return id
    }

    /// Forgets a relay whose command could not be sent.
    public func cancel(_ id: String) {
        _ = relays.withLock { $0.removeValue(forKey: id) }
    }

    /// Where `worker`'s report on relay `id` goes, or nil when no open relay waits for that worker.
    /// A final report ends the worker's part; the relay goes once every worker asked has ended.
    public func route(_ id: String, from worker: String, final: Bool, now: Double) -> Relay? {
        relays.withLock { relays in
            guard var relay = relays[id], relay.waiting.contains(worker), relay.isOpen(at: now) else {
                return nil
            }
            relay.lastActivity = now
            if final { relay.waiting.remove(worker) }
            relays[id] = relay.waiting.isEmpty ? nil : relay
            return relay
        }
    }

    /// Relays open now (for tests and metrics).
    public var count: Int { relays.withLock { $0.count } }
}
