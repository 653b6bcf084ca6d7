import AMQP
import Synchronization
import Testing
@testable import Worker

/// `running` goes out at most once, never after the job ended unannounced, and a publish that could
/// not even start is reported (the job must then be stopped).
@Suite("running notice")
struct RunningNoticeTests {
    struct ChannelGone: Error {}
    final class Calls: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// A notice whose publish fails at once (no channel in a unit test), counting its calls.
    func notice() -> (RunningNotice, Calls) {
        let calls = Calls()
        return (
            RunningNotice {
                calls.add(); throw ChannelGone()
            }, calls
        )
    }

    @Test("announced once however often it is asked; the end then implies nothing")
    func announcedOnce() async {
        let (running, calls) = notice()
        #expect(running.failure == nil)
        running.announce()
        // Known at once, without waiting for a confirm: the flush tick stops the job on it.
        #expect(running.failure is ChannelGone)
        running.announce()
        #expect(calls.value == 1)
        #expect(running.endUnannounced() == false)
        await #expect(throws: ChannelGone.self) { try await running.confirmed() }
    }

    @Test("a job that ended unannounced never announces afterwards, and its end implies the running")
    func endedUnannounced() async throws {
        let (running, calls) = notice()
        #expect(running.endUnannounced() == true)
        running.announce()
        #expect(calls.value == 0)
        #expect(running.endUnannounced() == false)
        try await running.confirmed()
    }
}
