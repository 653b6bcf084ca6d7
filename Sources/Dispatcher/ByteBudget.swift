import Synchronization

/// Bounds the bytes of the messages being handled at once: concurrent submissions each hold their
/// decoded request and encoded job message, several times the body, so a flood of large uploads must
/// not all be in hand together. One message is always let in when nothing else is, however large.
final class ByteBudget: Sendable {
    private struct State {
        var used = 0
        var waiting: [(bytes: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    /// Acquisitions waiting for bytes to be released.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Waits until `bytes` fit (first come, first served) and takes them.
    func acquire(_ bytes: Int) async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                guard state.waiting.isEmpty, state.used == 0 || state.used + bytes <= limit else {
                    state.waiting.append((bytes, continuation))
                    return false
                }
                state.used += bytes
                return true
            }
            if now { continuation.resume() }
        }
    }

    /// Gives `bytes` back and lets in whoever waits and now fits.
    func release(_ bytes: Int) {
        let admitted = state.withLock { state in
            state.used -= bytes
            var admitted: [CheckedContinuation<Void, Never>] = []
            while let next = state.waiting.first, state.used == 0 || state.used + next.bytes <= limit {
                state.waiting.removeFirst()
                state.used += next.bytes
                admitted.append(next.continuation)
            }
            return admitted
        }
        for continuation in admitted { continuation.resume() }
    }
}
