#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A small fixed set of OS threads that run blocking work (mkfs, mount, removing a tree, a /proc
/// walk, extracting a package) in FIFO order, so it never holds one of Swift's cooperative threads
/// and never costs a new thread per call. Threads start on demand, up to `threadLimit`, and stay.
///
/// Nothing run here may wait for another item run here: with every thread busy waiting, the item
/// waited for would never start. Work that waits for something else waits in async code instead.
public final class BlockingExecutor: @unchecked Sendable {
    /// The process's one executor. Eight threads: a few slow items (a big tree removal, a runtime
    /// install) then still leave threads for a job's quick ones (mkfs, a mount, a network lease).
    public static let shared = BlockingExecutor(name: "joblet-blocking", threadLimit: 8)

    public let threadLimit: Int
    private let name: String
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var queue = WorkQueue()
    private var threads = 0
    /// Threads asleep in `serve`, and wake-ups sent to them not yet taken: a new item starts a
    /// thread only when no sleeping thread is left to take it.
    private var sleeping = 0
    private var wakeups = 0

    public init(name: String, threadLimit: Int) {
        self.name = name
        self.threadLimit = max(1, threadLimit)
    }

    /// Runs `body` on one of the executor's threads and returns its result.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            execute {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Queues `work` without waiting for it (closing a descriptor whose release may block).
    public func execute(_ work: @escaping @Sendable () -> Void) {
        lock.lock()
        queue.append(work)
        let wake = sleeping > wakeups
        if wake { wakeups += 1 }
        let start = !wake && threads < threadLimit
        if start { threads += 1 }
        lock.unlock()
        if wake {
            lock.signal()
        } else if start {
            startThread()
        }
    }

    /// How many threads the executor has started so far (tests).
    public var threadCount: Int { lock.withLock { threads } }

    private func startThread() {
        do {
            try DetachedThread.start(name: name) { [self] in serve() }
        } catch {
            lock.lock()
            threads -= 1
            let orphaned = threads == 0 ? queue.takeAll() : []
            lock.unlock()
            // No thread at all to run them: run them here rather than never (the caller blocks).
            for work in orphaned { work() }
        }
    }

    /// A worker thread: takes the oldest item, runs it, sleeps while the queue is empty.
    private func serve() {
        lock.lock()
        while true {
            guard let work = queue.popFirst() else {
                sleeping += 1
                lock.wait()
                sleeping -= 1
                if wakeups > 0 { wakeups -= 1 }
                continue
            }
            lock.unlock()
            work()
            lock.lock()
        }
    }
}

/// A FIFO of work items whose removal from the front costs O(1) (amortized).
struct WorkQueue {
    private var items: [@Sendable () -> Void] = []
    private var head = 0

    mutating func append(_ work: @escaping @Sendable () -> Void) { items.append(work) }

    mutating func popFirst() -> (@Sendable () -> Void)? {
        guard head < items.count else { return nil }
        let work = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return work
    }

    mutating func takeAll() -> [@Sendable () -> Void] {
        defer {
            items = []
            head = 0
        }
        return Array(items[head...])
    }
}
