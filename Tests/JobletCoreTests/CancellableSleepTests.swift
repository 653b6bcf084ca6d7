import Testing

@testable import SystemCalls

/// The worker's job timeout sleeps an hour and is almost always cut short when the job ends: its timer
/// must go with the cancellation (Task.sleep's stays allocated until the deadline).
struct CancellableSleepTests {
    @Test func aSleepReturnsOnceItsDurationHasPassed() async throws {
        let began = ContinuousClock.now
        try await CancellableSleep.sleep(for: .milliseconds(50))
        #expect(ContinuousClock.now - began >= .milliseconds(50))
    }

    @Test func aCancelledSleepThrowsAndLetsGoOfItsTimer() async throws {
        weak var watched: CancellableSleep.Sleeper?
        do {
            let sleeper = CancellableSleep.Sleeper()
            watched = sleeper
            let task = Task { try await CancellableSleep.sleep(for: .seconds(3600), sleeper: sleeper) }
            // Armed first (the cancellation then cancels a running timer).
            try await Task.sleep(for: .milliseconds(50))
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
        }
        // Then nothing holds the sleeper (libdispatch drops a finished source's handler on its queue, a
        // moment later). This passes even without the timer's `cancel()`: that the timer's memory goes
        // with the job is proven on a worker, by WorkerMetricsTests' heap test (+588 KiB over 600 jobs
        // with Task.sleep).
        for _ in 0..<200 where watched != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(watched == nil)
    }

    @Test func aTaskCancelledBeforeItSleepsDoesNotSleep() async throws {
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await CancellableSleep.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test func durationsBecomeWholeNanosecondsWithoutOverflow() {
        #expect(Duration.milliseconds(1500).wholeNanoseconds == 1_500_000_000)
        #expect(Duration.nanoseconds(7).wholeNanoseconds == 7)
        #expect(Duration.zero.wholeNanoseconds == 0)
        #expect(Duration.seconds(-3).wholeNanoseconds == 0)
        #expect(Duration.seconds(Int64.max).wholeNanoseconds == Int.max)
    }
}
