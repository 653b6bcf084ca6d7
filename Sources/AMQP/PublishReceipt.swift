import Synchronization

/// A publish already handed to the connection, in order with every other publish on its channel;
/// `confirmed()` waits for the broker's confirm (or the failure). Lets a caller go on with work that
/// need not wait for the confirm, while later publishes still follow this one.
public final class PublishReceipt: Sendable {
    private enum State {
        case pending(UnsafeContinuation<Void, any Error>?)
        case done(Result<Void, AMQPError>)
    }
    private let state = Mutex<State>(.pending(nil))

    init() {}

    /// Returns once the broker confirmed the message; throws as `AMQPChannel.publish` does.
    public func confirmed() async throws {
        try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Void, any Error>) in
            let done: Result<Void, AMQPError>? = state.withLock { state in
                switch state {
                case .done(let result): return result
                case .pending: state = .pending(c); return nil
                }
            }
            if let done { c.resume(with: done.mapError { $0 as any Error }) }
        }
    }

    /// The broker's answer if it came already; nil while the confirm is awaited. Never waits.
    public var outcome: Result<Void, AMQPError>? {
        state.withLock { state in
            guard case .done(let result) = state else { return nil }
            return result
        }
    }

    /// Records the outcome once and resumes a waiter, if any.
    func complete(_ result: Result<Void, AMQPError>) {
        let waiter: UnsafeContinuation<Void, any Error>?? = state.withLock { state in
            guard case .pending(let waiter) = state else { return nil }
            state = .done(result)
            return .some(waiter)
        }
        if case .some(.some(let waiter)) = waiter { waiter.resume(with: result.mapError { $0 as any Error }) }
    }
}
