import Synchronization

/// Lets one submission per submitter at a time between its `submitter_quota` check and its insert:
/// submissions run concurrently, and a burst would otherwise pass the check before any is stored.
/// Only the check and the insert wait; routing and confirms stay concurrent.
final class QuotaGate: Sendable {
    private struct State {
        var inside: Set<String> = []
        var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    }
    private let state = Mutex(State())

    /// Waits until no other submission of `submitter` is between its check and its insert.
    func enter(submitter: String) async -> QuotaPass {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.inside.insert(submitter).inserted { return true }
                state.waiting[submitter, default: []].append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
        return QuotaPass(submitter: submitter, gate: self)
    }

    fileprivate func leave(submitter: String) {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var queue = state.waiting[submitter], !queue.isEmpty else {
                state.inside.remove(submitter)
                return nil
            }
            let first = queue.removeFirst()
            state.waiting[submitter] = queue.isEmpty ? nil : queue
            return first
        }
        next?.resume()
    }
}

/// A submission's turn at the gate; `release` lets the next one of its submitter in.
final class QuotaPass: Sendable {
    private let submitter: String
    private let gate: QuotaGate
    private let released = Atomic<Bool>(false)

    fileprivate init(submitter: String, gate: QuotaGate) {
        self.submitter = submitter
        self.gate = gate
    }

    /// Only the first call counts.
    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        gate.leave(submitter: submitter)
    }
}
