/// A bounded hand-off from the pipe-reading thread to the async consumer: while it holds
/// `limitBytes` or `limitChunks` the reader thread blocks, stops reading, and the job blocks in
/// write(2) on its pipe. A chunk leaves the channel (and its memory) as soon as it is taken.
final class OutputChannel: @unchecked Sendable {
    private let lock = ConditionLock()
    private let limitBytes: Int
    /// Also bounded by count: many tiny chunks cost more than their bytes.
    private let limitChunks: Int
    // Guarded by `lock`.
    private var buffer: [OutputChunk] = []
    private var bufferedBytes = 0
    private var finished = false
    private var failure: (any Error)?
    private var dropped: UInt64 = 0
    private var waiters: [CheckedContinuation<OutputChunk?, any Error>] = []

    init(limitBytes: Int, limitChunks: Int) {
        self.limitBytes = limitBytes
        self.limitChunks = limitChunks
        buffer.reserveCapacity(limitChunks)
    }

    /// Called by the reader thread; blocks while the channel is full.
    func push(_ chunk: OutputChunk) {
        lock.lock()
        while bufferedBytes >= limitBytes || buffer.count >= limitChunks { lock.wait() }
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

    /// Ends the stream after the buffered chunks; `droppedBytes`: output read past the job's limit.
    func finish(throwing error: (any Error)? = nil, droppedBytes: UInt64 = 0) {
        lock.lock()
        finished = true
        failure = error
        dropped = droppedBytes
        let pending = waiters
        waiters = []
        lock.unlock()
        for waiter in pending {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// Bytes dropped past the output limit; final once ``next()`` returned nil.
    var droppedBytes: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return dropped
    }

    /// The next chunk, or nil at the end of both streams.
    func next() async throws -> OutputChunk? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<OutputChunk?, any Error>) in
            lock.lock()
            if !buffer.isEmpty {
                // At most `limitChunks` entries: shifting them is cheaper than keeping taken ones alive.
                let chunk = buffer.removeFirst()
                bufferedBytes -= chunk.bytes.count
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
