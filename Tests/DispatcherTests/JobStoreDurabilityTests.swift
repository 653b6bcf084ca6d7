import Foundation
import GRDB
import JobletCore
import TestSupport
import Testing

@testable import Dispatcher

struct JobStoreDurabilityTests {
    /// An acked submission must survive a power loss, not only a crash of the process: the commit that
    /// precedes the ack syncs the WAL (FULL = 2), where GRDB's WAL default (NORMAL = 1) waits for a checkpoint.
    @Test func theWriterSyncsEveryCommit() async throws {
        let store = try JobStore(directory: ScratchPath.make("durability-test"))
        let mode = try await store.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(mode == 2)
    }
}
