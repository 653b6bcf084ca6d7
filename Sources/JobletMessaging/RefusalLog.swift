import Logging
import Synchronization

/// Messages refused because of who sent them (docs/SECURITY.md): counted per kind and logged once
/// per sender and kind, so a hostile client flooding a queue costs a counter bump, not a log line
/// (or a crash) per message. The set of senders remembered is bounded.
public final class RefusalLog: Sendable {
    /// What was refused: `job`, `control`, `event`, `log`, `advert`, `dead_letter`, `submission` …
    public typealias Kind = String

    private struct State {
        var counts: [Kind: Int] = [:]
        var logged: Set<String> = []
    }

    private let state = Mutex(State())
    private let logger: Logger
    private let onRefusal: @Sendable (Kind) -> Void
    /// Past this many distinct (sender, kind) pairs, refusals are still counted but no longer logged.
    static let maxLoggedSenders = 1024

    /// `onRefusal` is called for every refusal, e.g. to bump a metrics counter.
    public init(logger: Logger, onRefusal: @escaping @Sendable (Kind) -> Void = { _ in }) {
        self.logger = logger
        self.onRefusal = onRefusal
    }

    /// Counts a refusal and logs it the first time this sender is refused for this kind.
    public func refuse(_ kind: Kind, sender: String?, reason: String) {
        let key = "\(kind)\u{0}\(sender ?? "")"
        let first = state.withLock { state -> Bool in
            state.counts[kind, default: 0] += 1
            guard state.logged.count < Self.maxLoggedSenders else { return false }
            return state.logged.insert(key).inserted
        }
        onRefusal(kind)
        if first {
            logger.warning(
                "refused a message from an untrusted sender (logged once per sender)",
                metadata: [
                    "kind": "\(kind)", "sender": "\(sender ?? "(no user_id)")", "reason": "\(reason)",
                ])
        }
    }

    /// Refusals so far, per kind.
    public var counts: [Kind: Int] { state.withLock { $0.counts } }
}
