import Foundation

extension TreeRemoval {
    /// ``remove(_:)`` on a thread of its own: a job's tree can take seconds to delete, and that
    /// must not hold a thread of the cooperative pool.
    public static func removeOnOwnThread(_ path: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try remove(path)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
