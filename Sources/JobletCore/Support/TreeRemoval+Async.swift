import SystemCalls

extension TreeRemoval {
    /// ``remove(_:)`` on the blocking executor: a job's tree can take seconds to delete, and that
    /// must not hold a thread of the cooperative pool.
    public static func removeOnBlockingExecutor(_ path: String) async throws {
        try await BlockingExecutor.shared.run { try remove(path) }
    }
}
