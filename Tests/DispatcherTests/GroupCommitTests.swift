import Dispatch
import Foundation
import GRDB
import JobletCore
import Synchronization
import TestSupport
import Testing

@testable import Dispatcher

struct GroupCommitTests {
    func store() throws -> JobStore {
        try JobStore(directory: ScratchPath.make("group-test"))
    }

    @Test("writes that arrive during a commit share the next one; one that fails fails alone")
    func writesWaitingTogetherCommitTogether() async throws {
        let store = try store()
        try await store.pool.write { try $0.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY)") }
        let groups = store.groupCommit
        let before = groups.groupsCommitted
        // The first write holds the writer until 20 more wait behind it (DispatchSemaphore: it blocks
        // GRDB's writer thread, never the cooperative pool).
        let gate = DispatchSemaphore(value: 0)
        let entered = Atomic<Bool>(false)
        async let first = groups.write { db in
            entered.store(true, ordering: .releasing)
            gate.wait()
            try db.execute(sql: "INSERT INTO t (k) VALUES (0)")
            return true
        }
        while !entered.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool?).self) { tasks in
            for k in 1...20 {
                tasks.addTask {
                    // 7 takes a key that 0 holds: a constraint error in the same group as the others.
                    let key = k == 7 ? 0 : k
                    do {
                        return (
                            k,
                            try await groups.write { db in
                                try db.execute(sql: "INSERT INTO t (k) VALUES (?)", arguments: [key])
                                return true
                            }
                        )
                    } catch {
                        return (k, nil)
                    }
                }
            }
            while groups.waitingCount < 20 { try await Task.sleep(for: .milliseconds(5)) }
            gate.signal()
            return try await tasks.reduce(into: [Int: Bool?]()) { $0[$1.0] = $1.1 }
        }
        #expect(try await first == true)
        #expect(outcomes[7] == .some(nil), "the write that broke the key failed")
        #expect(outcomes.filter { $0.key != 7 }.allSatisfy { $0.value == true })
        let keys = try await store.pool.read { try Int.fetchAll($0, sql: "SELECT k FROM t ORDER BY k") }
        #expect(keys == [0] + (1...20).filter { $0 != 7 })
        #expect(groups.groupsCommitted - before == 2, "the 20 that waited were one commit")
    }

    @Test("a routed mark not waited for is committed by the time the writes are settled")
    func routedMarkSoon() async throws {
        let store = try store()
        let id = JobID.generate()
        #expect(try await store.insert(JobStoreTests().newJob(id)))
        #expect(try await store.unroutedJobs().map(\.jobID) == [id])
        let outcomes = Mutex<[String]>([])
        store.markRoutedSoon(jobID: id) { error in outcomes.withLock { $0.append(error.map { "\($0)" } ?? "committed") } }
        await store.settleWrites()
        #expect(try await store.unroutedJobs().isEmpty)
        #expect(outcomes.withLock { $0 } == ["committed"])
    }

    @Test("concurrent submissions are stored once each, a repeated key answered as taken")
    func concurrentInsertsThroughTheGroups() async throws {
        let store = try store()
        let ids = (0..<40).map { _ in JobID.generate() }
        let stored = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for (n, id) in ids.enumerated() {
                // Every tenth repeats the key of the one before it.
                let key = n % 10 == 9 ? "m\(n - 1)" : "m\(n)"
                tasks.addTask { try await store.insert(JobStoreTests().newJob(id, messageID: key)) }
            }
            return try await tasks.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(stored == 36)
        for n in 0..<40 where n % 10 != 9 {
            let owner = try await store.submission(submitter: "alice", messageID: "m\(n)")?.jobID
            #expect(owner != nil)
        }
        #expect(store.groupCommit.groupsCommitted <= 40)
    }
}
