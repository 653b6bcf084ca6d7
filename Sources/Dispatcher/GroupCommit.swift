import GRDB
import Synchronization

/// Group commit for the submission path's small writes (a job's insert, its routed mark): the writes
/// that arrive while a commit is under way share the next one. Every commit syncs the WAL
/// (`synchronous = FULL`), and that sync, not the rows, is what such a write costs, so under a burst of
/// submissions one sync serves a whole group. Each write runs in a savepoint of its own: one that fails
/// fails alone. A caller of `write` resumes only once its group is committed, so nothing it acks afterwards
/// is off disk; `enqueue` is for the writes nothing waits for (a job's routed mark).
final class GroupCommit: Sendable {
    private struct Waiting: Sendable {
        let work: @Sendable (Database) throws -> Bool
        let done: @Sendable (Result<Bool, any Error>) -> Void
    }

    private struct State {
        var waiting: [Waiting] = []
        var committing = false
        var groups = 0
    }

    private let pool: DatabasePool
    private let state = Mutex(State())

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// How many groups were committed so far, and how many writes wait for the next (tests).
    var groupsCommitted: Int { state.withLock { $0.groups } }
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Runs `work` in the next group's transaction; its result once that group is committed.
    func write(_ work: @escaping @Sendable (Database) throws -> Bool) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(work) { continuation.resume(with: $0) }
        }
    }

    /// Runs `work` in the next group's transaction without waiting; `done` gets its result once that
    /// group is committed (on GRDB's writer queue: it must not block).
    func enqueue(_ work: @escaping @Sendable (Database) throws -> Bool, done: @escaping @Sendable (Result<Bool, any Error>) -> Void) {
        let start = state.withLock { state in
            state.waiting.append(Waiting(work: work, done: done))
            guard !state.committing else { return false }
            state.committing = true
            return true
        }
        if start { commitNextGroup() }
    }

    /// One group per turn on GRDB's writer queue (never the cooperative pool), so the dispatcher's
    /// other writes (event and log batches) queued meanwhile take their turns between groups.
    private func commitNextGroup() {
        pool.asyncWriteWithoutTransaction { db in
            let group = self.state.withLock { state in
                defer { state.waiting.removeAll() }
                state.groups += 1
                return state.waiting
            }
            Self.commit(group, in: db)
            let more = self.state.withLock { state in
                if state.waiting.isEmpty { state.committing = false }
                return state.committing
            }
            if more { self.commitNextGroup() }
        }
    }

    private static func commit(_ group: [Waiting], in db: Database) {
        var results: [Result<Bool, any Error>] = []
        do {
            try db.inTransaction {
                results = group.map { item in
                    Result {
                        var value = false
                        try db.inSavepoint {
                            value = try item.work(db)
                            return .commit
                        }
                        return value
                    }
                }
                return .commit
            }
        } catch {
            for item in group { item.done(.failure(error)) }
            return
        }
        for (item, result) in zip(group, results) { item.done(result) }
    }
}
