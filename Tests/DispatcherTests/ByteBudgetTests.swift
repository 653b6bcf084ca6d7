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
    /// What fits is let in and the rest waits for a release (4 + 4 of 10, then 4); a message larger than
    /// the limit goes in alone and nothing joins it (50 of 10, then 1).
    @Test(arguments: [(held: [4, 4], waiter: 4), (held: [50], waiter: 1)])
    func whatDoesNotFitWaitsForARelease(held: [Int], waiter bytes: Int) async {
        let budget = ByteBudget(limit: 10)
        for bytes in held { await budget.acquire(bytes) }
        let waiter = BudgetWaiter(budget, bytes)
        await waiter.decided(budget, waiting: 1)
        #expect(!waiter.isAdmitted)
        if let last = held.last { budget.release(last) }
        await waiter.admission()
        #expect(waiter.isAdmitted)
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
