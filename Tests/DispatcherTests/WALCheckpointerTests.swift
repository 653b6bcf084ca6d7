import Foundation
import GRDB
import TestSupport
import Testing

@testable import Dispatcher

/// The store's WAL goes back into the database on the checkpointer's own connection, not inside the
/// commit that crossed the threshold (which held every commit queued behind it); past the inline bound
/// the writer does it itself, so the WAL stays bounded.
struct WALCheckpointerTests {
    static let rowBytes = 4000

    /// One transaction of `rows` rows of about a page each.
    static func writeRows(_ store: JobStore, from first: Int, count rows: Int) async throws {
        try await store.pool.write { db in
            for key in first..<(first + rows) {
                try db.execute(
                    sql: "INSERT INTO t (k, v) VALUES (?, ?)", arguments: [key, Data(repeating: UInt8(key % 251), count: rowBytes)])
            }
        }
    }

    @Test("a WAL past the threshold is copied into the database by the checkpointer, not by the commit")
    func checkpointsRunBesideTheWriter() async throws {
        let store = try JobStore(directory: ScratchPath.make("wal-checkpointer"))
        try await store.pool.write { try $0.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)") }
        let sizeBefore = FileSize.of(store.path) ?? 0
        try await Self.writeRows(store, from: 0, count: Int(WALCheckpointer.backgroundPages) + 200)
        var waited = 0
        while store.checkpointer.backgroundCheckpoints == 0, waited < 1000 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(store.checkpointer.backgroundCheckpoints >= 1)
        #expect(store.checkpointer.inlineCheckpoints == 0)
        // The rows' pages are in the database file now, not only in the WAL.
        #expect((FileSize.of(store.path) ?? 0) - sizeBefore > Int(WALCheckpointer.backgroundPages) * Self.rowBytes)
        let count = try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") }
        #expect(count == Int(WALCheckpointer.backgroundPages) + 200)
    }

    @Test("past the inline bound the writer checkpoints right after its commit, as SQLite would")
    func aWALPastTheBoundIsCheckpointedByTheWriter() async throws {
        let store = try JobStore(directory: ScratchPath.make("wal-inline"))
        try await store.pool.write { try $0.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)") }
        try await Self.writeRows(store, from: 0, count: Int(WALCheckpointer.inlinePages) + 100)
        #expect(store.checkpointer.inlineCheckpoints == 1)
        #expect((FileSize.of(store.path) ?? 0) > Int(WALCheckpointer.inlinePages) * Self.rowBytes)
    }
}
