import Synchronization

/// A job's output between the supervisor loop and the async consumer, bounded: once it holds
/// `limitBytes` or `limitChunks` the loop stops reading the job's pipes, and the job blocks in
/// write(2) (back-pressure) while the loop serves every other job. The consumer taking a chunk
/// calls `resumeReading`. A chunk leaves (and frees its memory) as soon as it is taken.
final class SandboxOutput: Sendable {
    private struct State {
        var chunks: [OutputChunk] = []
        var bufferedBytes = 0
        /// The loop stopped reading because the buffer was full.
        var paused = false
        var finished = false
        var failure: (any Error)?
        var dropped: UInt64 = 0
        var waiters: [CheckedContinuation<OutputChunk?, any Error>] = []

        func isFull(limitBytes: Int, limitChunks: Int) -> Bool {
            bufferedBytes >= limitBytes || chunks.count >= limitChunks
        }
    }

    private let limitBytes: Int
    /// Also bounded by count: many tiny chunks cost more than their bytes.
    private let limitChunks: Int
    private let state = Mutex(State())
    private let resumeReading: @Sendable () -> Void

    init(limitBytes: Int, limitChunks: Int, resumeReading: @escaping @Sendable () -> Void) {
        self.limitBytes = limitBytes
        self.limitChunks = limitChunks
        self.resumeReading = resumeReading
    }

    /// Supervisor loop: hands `chunk` over. Returns true when the buffer is now full: the loop
    /// must stop reading this job until `resumeReading` is called.
    func push(_ chunk: OutputChunk) -> Bool {
        let (waiter, full): (CheckedContinuation<OutputChunk?, any Error>?, Bool) = state.withLock { state in
            if !state.waiters.isEmpty { return (state.waiters.removeFirst(), false) }
            state.chunks.append(chunk)
            state.bufferedBytes += chunk.bytes.count
            state.paused = state.isFull(limitBytes: limitBytes, limitChunks: limitChunks)
            return (nil, state.paused)
        }
        waiter?.resume(returning: chunk)
        return full
    }

    /// Whether the loop must keep this job's pipes out of epoll (the buffer is full).
    var isPaused: Bool { state.withLock { $0.paused } }

    /// Ends the stream after the buffered chunks; `droppedBytes`: output read past the job's limit.
    func finish(throwing error: (any Error)? = nil, droppedBytes: UInt64 = 0) {
        let waiters = state.withLock { state in
            state.finished = true
            state.failure = error
            state.dropped = droppedBytes
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// Bytes dropped past the output limit; final once ``next()`` returned nil.
    var droppedBytes: UInt64 { state.withLock { $0.dropped } }

    /// Bytes read and not taken yet (tests: the bound of back-pressure).
    var bufferedBytes: Int { state.withLock { $0.bufferedBytes } }

    /// The next chunk, or nil at the end of both streams.
    func next() async throws -> OutputChunk? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<OutputChunk?, any Error>) in
            enum Outcome: Sendable { case chunk(OutputChunk, resume: Bool), end((any Error)?), waiting }
            let outcome: Outcome = state.withLock { state in
                if !state.chunks.isEmpty {
                    // At most `limitChunks` entries: shifting them is cheaper than keeping taken ones alive.
                    let chunk = state.chunks.removeFirst()
                    state.bufferedBytes -= chunk.bytes.count
                    let resume = state.paused && !state.isFull(limitBytes: limitBytes, limitChunks: limitChunks)
                    if resume { state.paused = false }
                    return .chunk(chunk, resume: resume)
                }
                if state.finished {
                    defer { state.failure = nil }
                    return .end(state.failure)
                }
                state.waiters.append(continuation)
                return .waiting
            }
            switch outcome {
            case .chunk(let chunk, let resume):
                if resume { resumeReading() }
                continuation.resume(returning: chunk)
            case .end(let error?):
                continuation.resume(throwing: error)
            case .end(nil):
                continuation.resume(returning: nil)
            case .waiting:
                break
            }
        }
    }
}
