import Synchronization

/// Thrown by `withDeadline` when the work did not finish in time.
struct DeadlineExceeded: Error {}

/// Runs `work`, giving up after `limit` even when `work` ignores cancellation (a blocking
/// connect): the caller gets `DeadlineExceeded` at once and the work is cancelled.
func withDeadline<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let state = Mutex<(done: Bool, tasks: [Task<Void, Never>])>((false, []))
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        @Sendable func finish(_ result: Result<T, any Error>) {
            let first = state.withLock { value -> Bool in
                if value.done { return false }
                value.done = true
                return true
            }
            guard first else { return }
            continuation.resume(with: result)
            let tasks = state.withLock { $0.tasks }
            for task in tasks { task.cancel() }
        }
        let worker = Task {
            do { finish(.success(try await work())) } catch { finish(.failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            finish(.failure(DeadlineExceeded()))
        }
        state.withLock { $0.tasks = [worker, timer] }
    }
}
