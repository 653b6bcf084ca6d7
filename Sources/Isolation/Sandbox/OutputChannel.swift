/// A bounded hand-off from the pipe-reading thread to the async consumer: when the buffer is
/// full the reader thread blocks, stops reading, and the job blocks on its pipe.
final class OutputChannel: @unchecked Sendable {
    private let lock = ConditionLock()
    private let limitBytes: Int
    // Guarded by `lock`.
    private var buffer: [OutputChunk] = []
    private var head = 0
    private var bufferedBytes = 0
    private var finished = false
    private var failure: (any Error)?
    private var waiters: [CheckedContinuation<OutputChunk?, any Error>] = []

    init(limitBytes: Int) { self.limitBytes = limitBytes }

    /// Called by the reader thread; blocks while the buffer is full.
    func push(_ chunk: OutputChunk) {
        lock.lock()
        while bufferedBytes >= limitBytes { lock.wait() }
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            lock.unlock()
            waiter.resume(returning: chunk)
            return
        }
        buffer.append(chunk)
        bufferedBytes += chunk.bytes.count
        lock.unlock()
    }

    /// Ends the stream after the buffered chunks.
    func finish(throwing error: (any Error)? = nil) {
        lock.lock()
        finished = true
        failure = error
        let pending = waiters
        waiters = []
        lock.unlock()
        for waiter in pending {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// The next chunk, or nil at the end of both streams.
    func next() async throws -> OutputChunk? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<OutputChunk?, any Error>) in
            lock.lock()
            if head < buffer.count {
                let chunk = buffer[head]
                head += 1
                bufferedBytes -= chunk.bytes.count
                if head == buffer.count { buffer.removeAll(keepingCapacity: true); head = 0 }
                lock.broadcast()
                lock.unlock()
                continuation.resume(returning: chunk)
            } else if finished {
                let error = failure
                failure = nil
                lock.unlock()
                if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}
