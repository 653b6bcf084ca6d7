import Foundation
import Synchronization
import SystemCalls
import Testing

/// The fixed set of threads blocking work runs on (mkfs, mounts, tree removal, /proc walks).
struct BlockingExecutorTests {
    @Test func oneThreadRunsItemsInTheOrderQueued() async {
        let executor = BlockingExecutor(name: "test-fifo", threadLimit: 1)
        let order = Tally()
        for index in 0..<100 {
            executor.execute { order.state.withLock { $0.order.append(index) } }
        }
        await executor.run { order.state.withLock { $0.order.append(100) } }
        #expect(order.state.withLock { $0.order } == Array(0...100))
        #expect(executor.threadCount == 1)
    }

    @Test func manyBlockingCallsShareAtMostTheLimitOfThreads() async {
        let executor = BlockingExecutor(name: "test-bound", threadLimit: 3)
        let running = Tally()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<30 {
                group.addTask {
                    await executor.run {
                        running.state.withLock {
                            $0.now += 1; $0.most = max($0.most, $0.now)
                        }
                        usleep(10_000)
                        running.state.withLock { $0.now -= 1 }
                    }
                }
            }
        }
        #expect(executor.threadCount == 3)
        let most = running.state.withLock { $0.most }
        #expect(most <= 3)
        #expect(most >= 2)
    }

    @Test func theBodysTypedErrorReachesTheCaller() async {
        let executor = BlockingExecutor(name: "test-error", threadLimit: 2)
        do throws(Errno) {
            _ = try await executor.run { () throws(Errno) -> Int in throw Errno(EIO) }
            Issue.record("no error")
        } catch {
            #expect(error == Errno(EIO))
        }
        #expect(await executor.run { 42 } == 42)
    }
}

/// What the items saw, shared between the test and the executor's threads.
final class Tally: Sendable {
    struct State {
        var order: [Int] = []
        var now = 0
        var most = 0
    }
    let state = Mutex(State())
}
