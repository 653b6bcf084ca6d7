import Synchronization

/// One pending reply: resolved exactly once, by the reply, the timeout or cancellation.
final class ReplySlot: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Delivery, any Error>)
        case done(Result<Delivery, any Error>)
    }

    private let state = Mutex<State>(.empty)

    func fulfill(_ result: Result<Delivery, any Error>) {
        let waiter = state.withLock { s -> CheckedContinuation<Delivery, any Error>? in
            switch s {
            case .empty:
                s = .done(result); return nil
            case .waiting(let c):
                s = .done(result); return c
            case .done:
                return nil
            }
        }
        waiter?.resume(with: result)
    }

    func wait() async throws -> Delivery {
        try await withCheckedThrowingContinuation { c in
            let ready = state.withLock { s -> Result<Delivery, any Error>? in
                if case .done(let r) = s { return r }
                s = .waiting(c)
                return nil
            }
            if let ready { c.resume(with: ready) }
        }
    }
}
