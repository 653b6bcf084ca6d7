import Synchronization
import SystemCalls

/// Thrown by `withDeadline` when the work did not finish in time.
struct DeadlineExceeded: Error {}

/// Runs `work`, giving up after `limit` even when `work` ignores cancellation (a blocking
/// connect): the caller gets `DeadlineExceeded` at once and the work is cancelled.
func withDeadline<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        race.start(continuation: continuation, limit: limit, work: work)
    }
}

/// The first of the work and the timer to finish resumes the caller, exactly once.
private final class DeadlineRace<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, tasks: [Task<Void, Never>])>((nil, []))

    func start(
        continuation: CheckedContinuation<T, any Error>, limit: Duration,
        work: @escaping @Sendable () async throws -> T
    ) {
        state.withLock { $0.continuation = continuation }
        let worker = Task {
            do { self.finish(.success(try await work())) } catch { self.finish(.failure(error)) }
        }
        let timer = Task {
            try? await CancellableSleep.sleep(for: limit)
            self.finish(.failure(DeadlineExceeded()))
        }
        state.withLock { $0.tasks = [worker, timer] }
    }

    private func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock { value in
            defer { value.continuation = nil }
            return (value.continuation, value.tasks)
        }
        guard let continuation else { return }
        continuation.resume(with: result)
        for task in tasks { task.cancel() }
    }
}
