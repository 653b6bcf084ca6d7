import AMQP
import Synchronization

/// A job's `running` event, published only once it tells anybody something: before the job's first log
/// chunk, or when the job has run one flush interval. A job that ends before either sends no `running`;
/// its terminal event says `implies_running` and stands for it (docs/PROTOCOL.md). That spares the
/// broker a quorum-queue write, and the dispatcher an event, for every short silent job.
final class RunningNotice: Sendable {
    private enum State {
        case pending
        case published(PublishReceipt)
        /// The publish could not even be handed to the channel.
        case failed(any Error)
        /// The job ended unannounced: the terminal event carries the start.
        case superseded
    }
    private let state = Mutex(State.pending)
    private let publish: @Sendable () throws -> PublishReceipt

    /// `publish` hands the `running` event to the job's publish channel (in order with its log chunks).
    init(publish: @escaping @Sendable () throws -> PublishReceipt) {
        self.publish = publish
    }

    /// Publishes `running` unless it went out already or the job ended. Synchronous, so a log chunk
    /// published right after it follows it on the channel.
    func announce() {
        state.withLock { state in
            guard case .pending = state else { return }
            do { state = .published(try publish()) } catch { state = .failed(error) }
        }
    }

    /// Waits for the broker's confirm of `running` if it was published; throws when it was refused or
    /// lost (nobody knows the job runs: stop it rather than run it twice). Returns at once otherwise.
    func confirmed() async throws {
        let current = state.withLock { state -> State in state }
        switch current {
        case .pending, .superseded: return
        case .published(let receipt): try await receipt.confirmed()
        case .failed(let error): throw error
        }
    }

    /// Why `running` is known to have failed (refused, lost, or never handed to the channel), without
    /// waiting for a confirm still to come; nil otherwise.
    var failure: (any Error)? {
        switch state.withLock({ state -> State in state }) {
        case .pending, .superseded: return nil
        case .published(let receipt):
            guard case .failure(let error)? = receipt.outcome else { return nil }
            return error
        case .failed(let error): return error
        }
    }

    /// Called once the job ended and its output is drained: true when `running` never went out, so the
    /// terminal event must imply it. No `running` is published after this.
    func endUnannounced() -> Bool {
        state.withLock { state in
            guard case .pending = state else { return false }
            state = .superseded
            return true
        }
    }
}
