import Dispatch
import Synchronization

/// `Task.sleep(for:)` whose timer is gone as soon as the sleeping task is cancelled.
///
/// On Linux `Task.sleep` arms a `dispatch_after` that stays allocated with its task (about 350 bytes)
/// until its deadline, cancelled or not. A worker's per-job timeout (an hour by default), cancelled
/// when the job ended, so held memory for an hour after every job: a worker running 200 jobs a second
/// would have carried ~0.5 GB of dead timers. Here a dispatch timer source is cancelled, and freed, by
/// the task's cancellation. For long sleeps that are usually cut short; a short one may use `Task.sleep`.
public enum CancellableSleep {
    /// Returns after `duration`, or throws `CancellationError` once the task is cancelled (at once if
    /// it already is).
    public static func sleep(for duration: Duration) async throws {
        try await sleep(for: duration, sleeper: Sleeper())
    }

    /// The same with the sleeper given, so a test can watch it go away.
    static func sleep(for duration: Duration, sleeper: Sleeper) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                sleeper.start(continuation, after: duration)
            }
        } onCancel: {
            sleeper.finish(cancelled: true)
        }
    }

    /// One sleep: its continuation and, while armed, its timer. Resumed exactly once, by whichever of
    /// the timer and the cancellation comes first.
    final class Sleeper: Sendable {
        private enum State {
            case idle
            case armed(CheckedContinuation<Void, any Error>, any DispatchSourceTimer)
            /// Resumed, or cancelled before it started (then `start` resumes it throwing).
            case done
        }
        private let state = Mutex<State>(.idle)

        init() {}

        func start(_ continuation: CheckedContinuation<Void, any Error>, after duration: Duration) {
            let armed = state.withLock { state -> Bool in
                guard case .idle = state else { return false }
                // Made only here: a dispatch source released while never resumed is a libdispatch crash.
                let timer = DispatchSource.makeTimerSource(queue: .global())
                timer.setEventHandler { [self] in finish(cancelled: false) }
                timer.schedule(deadline: .now() + .nanoseconds(duration.wholeNanoseconds), leeway: .milliseconds(1))
                state = .armed(continuation, timer)
                timer.resume()
                return true
            }
            if !armed { continuation.resume(throwing: CancellationError()) }
        }

        func finish(cancelled: Bool) {
            let taken = state.withLock { state -> (CheckedContinuation<Void, any Error>, any DispatchSourceTimer)? in
                switch state {
                case .armed(let continuation, let timer):
                    state = .done
                    return (continuation, timer)
                case .idle:
                    if cancelled { state = .done }
                    return nil
                case .done:
                    return nil
                }
            }
            guard let (continuation, timer) = taken else { return }
            // Cancelling drops the event handler, and with it the timer's hold on this sleeper.
            timer.cancel()
            if cancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
        }
    }
}
