import Synchronization
import Testing

@testable import Dispatcher

/// Starts `acquire(bytes)` in a task; `isAdmitted` turns true once it returned.
struct BudgetWaiter {
    final class Flag: Sendable { let value = Atomic<Bool>(false) }
    private let flag = Flag()
    private let task: Task<Void, Never>

    init(_ budget: ByteBudget, _ bytes: Int) {
        let flag = self.flag
        task = Task {
            await budget.acquire(bytes)
            flag.value.store(true, ordering: .sequentiallyConsistent)
        }
    }

    var isAdmitted: Bool { flag.value.load(ordering: .sequentiallyConsistent) }

    /// Returns once this acquisition was let in or `budget` has `count` waiting (this one among them):
    /// decided either way, not merely slow to start.
    func decided(_ budget: ByteBudget, waiting count: Int) async {
        while !isAdmitted, budget.waitingCount < count { await Task.yield() }
    }
    func admission() async { await task.value }
}

/// The bound on submission bytes in hand at once (DispatcherService's concurrent submissions).
@Suite struct ByteBudgetTests {
    @Test func whatFitsIsLetInAndTheRestWaitsForARelease() async {
        let budget = ByteBudget(limit: 10)
        await budget.acquire(4)
        await budget.acquire(4)
        let third = BudgetWaiter(budget, 4)
        await third.decided(budget, waiting: 1)
        #expect(!third.isAdmitted)
        budget.release(4)
        await third.admission()
        #expect(third.isAdmitted)
    }

    @Test func aMessageLargerThanTheLimitGoesInAloneAndNothingJoinsIt() async {
        let budget = ByteBudget(limit: 10)
        await budget.acquire(50)
        let small = BudgetWaiter(budget, 1)
        await small.decided(budget, waiting: 1)
        #expect(!small.isAdmitted)
        budget.release(50)
        await small.admission()
    }

    @Test func aWaitingLargeMessageIsNotOvertakenBySmallOnes() async {
        let budget = ByteBudget(limit: 10)
        await budget.acquire(8)
        let large = BudgetWaiter(budget, 5)
        await large.decided(budget, waiting: 1)
        let small = BudgetWaiter(budget, 1)
        await small.decided(budget, waiting: 2)
        #expect(!large.isAdmitted)
        #expect(!small.isAdmitted, "a small message fit, but one waits before it")
        budget.release(8)
        await large.admission()
        await small.admission()
    }
}
