import GRDB
import GRDBSQLite
import Synchronization

/// The job store's WAL checkpoints, run on a connection of their own instead of inside the commit that
/// crossed SQLite's threshold. SQLite's autocheckpoint copies the WAL back into the database, with two
/// syncs, on the writer's thread right after a commit: every ~90 jobs the writer stalled (a few ms on a quiet
/// host, 60 ms seen on a loaded one) and every submission and event waiting for a commit behind it. Here the
/// writer's commit only notes the WAL's size; a passive checkpoint on another connection runs beside
/// later commits. Durability is unchanged: commits sync the WAL (`synchronous = FULL`), and a checkpoint
/// syncs the WAL before and the database after copying.
final class WALCheckpointer: Sendable {
    /// WAL pages after a commit that start a background checkpoint: SQLite's own autocheckpoint default.
    static let backgroundPages: Int32 = 1000
    /// WAL pages past which the committing writer checkpoints itself, as SQLite would: background
    /// checkpoints may not catch up while commits keep coming, and this bounds the WAL (about 32 MiB).
    static let inlinePages: Int32 = 8000

    private struct Counts {
        var background = 0
        var inline = 0
    }

    private let connection: DatabaseQueue
    private let scheduled = Atomic<Bool>(false)
    private let counts = Mutex(Counts())
    private let id: Int

    init(path: String) throws {
        connection = try DatabaseQueue(path: path)
        id = Self.lastID.add(1, ordering: .relaxed).newValue
        Self.registry.withLock { $0[id] = Weak(self) }
    }

    deinit {
        Self.registry.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Background and inline checkpoints run so far (tests).
    var backgroundCheckpoints: Int { counts.withLock { $0.background } }
    var inlineCheckpoints: Int { counts.withLock { $0.inline } }

    /// Replaces SQLite's autocheckpoint on the writer's connection (`db`): call it on the writer.
    func install(on db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, walHook, UnsafeMutableRawPointer(bitPattern: id))
    }

    /// One passive checkpoint on the checkpointer's connection, unless one is already on its way.
    fileprivate func checkpointSoon() {
        guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        connection.asyncWriteWithoutTransaction { [self] db in
            // A failure leaves the pages in the WAL for the next one (or the writer's inline one).
            _ = try? db.checkpoint(.passive)
            counts.withLock { $0.background += 1 }
            scheduled.store(false, ordering: .releasing)
        }
    }

    fileprivate func countInline() {
        counts.withLock { $0.inline += 1 }
    }

    // The hook's context is an id, not a pointer: the writer's connection may commit after the store
    // that owns this checkpointer is gone, and an id of a checkpointer that is gone finds nothing.
    private struct Weak: @unchecked Sendable {
        weak var checkpointer: WALCheckpointer?
        init(_ checkpointer: WALCheckpointer) { self.checkpointer = checkpointer }
    }

    /// Ids start at 1: the hook's context for 0 would be a null pointer.
    private static let lastID = Atomic<Int>(0)
    private static let registry = Mutex<[Int: Weak]>([:])

    fileprivate static func registered(_ id: Int) -> WALCheckpointer? {
        registry.withLock { $0[id]?.checkpointer }
    }
}

/// SQLite calls this on the writer's thread after every commit with the WAL's size in pages.
private func walHook(_ context: UnsafeMutableRawPointer?, _ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ pages: Int32) -> Int32 {
    guard pages >= WALCheckpointer.backgroundPages else { return SQLITE_OK }
    let checkpointer = WALCheckpointer.registered(Int(bitPattern: context))
    if pages >= WALCheckpointer.inlinePages || checkpointer == nil {
        // What SQLite's own hook does: a passive checkpoint by the writer, right after its commit.
        _ = sqlite3_wal_checkpoint(db, name)
        checkpointer?.countInline()
    } else {
        checkpointer?.checkpointSoon()
    }
    return SQLITE_OK
}
