import AMQP
import JobletCore
import JobletMessaging
import Logging

/// Turns a job's output into `LogChunk`s on `joblet.logs`: one sequence per job from 0, small writes
/// coalesced up to `chunkBytes` or `flushInterval`. Up to `window` chunks await their confirms at
/// once (pipelined on the channel, in order); beyond that the reader waits, so a slow broker slows
/// the reader and, through the sandbox's bounded pipe buffer, the job itself. `drain()` waits for
/// every confirm. The job's `running` goes out before its first chunk (`RunningNotice`).
actor LogStreamer {
    private let jobID: String
    /// Leads the chunks' routing key, so only the submitter (and readers) can follow them.
    private let submitter: String
    private let channel: AMQPChannel
    private let chunkBytes: Int
    private let running: RunningNotice
    private let logger: Logger

    private var stream: String = "stdout"
    private var buffer: [UInt8] = []
    private var bufferedSince: ContinuousClock.Instant?
    private var nextSeq: UInt64 = 0
    /// The last byte appended was not a newline: a note must start on a line of its own.
    private(set) var endsMidLine = false
    /// Set when a publish failed: the job is being stopped anyway, further output is dropped.
    private var broken = false
    // FIFO lock so chunks are published in sequence order even though publishing suspends.
    private var publishing = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Chunks handed to the channel whose confirms are still awaited, oldest first.
    private var unconfirmed: [PublishReceipt] = []
    /// How many chunks may await confirms at once (the channel keeps each until it is confirmed, to send
    /// it again after a reconnect): about `inFlightBytes` per job, and at least two chunks so a publish
    /// overlaps the previous one's confirm.
    let window: Int
    static let inFlightBytes = 4 << 20

    static func window(chunkBytes: Int) -> Int { max(2, inFlightBytes / max(1, chunkBytes)) }

    init(jobID: String, submitter: String, channel: AMQPChannel, chunkBytes: Int, running: RunningNotice, logger: Logger) {
        self.jobID = jobID
        self.submitter = submitter
        self.channel = channel
        self.chunkBytes = chunkBytes
        self.window = Self.window(chunkBytes: chunkBytes)
        self.running = running
        self.logger = logger
    }

    /// Chunks published so far (the next sequence number).
    var chunkCount: UInt64 { nextSeq }

    func append(stream newStream: String, bytes: [UInt8]) async {
        if broken { return }
        if newStream != stream, !buffer.isEmpty { await flush() }
        stream = newStream
        if let last = bytes.last { endsMidLine = last != 0x0a }
        var rest = bytes[...]
        while !rest.isEmpty {
            let room = chunkBytes - buffer.count
            buffer.append(contentsOf: rest.prefix(room))
            rest = rest.dropFirst(room)
            if bufferedSince == nil { bufferedSince = .now }
            if buffer.count >= chunkBytes { await flush() }
        }
    }

    /// Flushes when the oldest buffered byte has waited `interval`.
    func flushIfDue(interval: Duration) async {
        if let since = bufferedSince, ContinuousClock.now - since >= interval { await flush() }
    }

    func flush() async {
        await lock()
        defer { unlock() }
        guard !buffer.isEmpty, !broken else { return }
        let chunk = LogChunk(jobID: jobID, seq: nextSeq, stream: stream, data: buffer)
        nextSeq += 1
        buffer.removeAll(keepingCapacity: true)
        bufferedSince = nil
        // Chunks are believed from the job's holder: its `running` comes first.
        running.announce()
        do {
            unconfirmed.append(
                channel.startPublish(
                    chunk.data, exchange: Topology.logsExchange,
                    routingKey: chunk.routingKey(submitter: submitter),
                    properties: chunk.amqpProperties))
            while unconfirmed.count > window { try await unconfirmed.removeFirst().confirmed() }
        } catch {
            fail(error)
        }
    }

    /// Flushes what is buffered and waits until the broker confirmed every chunk.
    func drain() async {
        await flush()
        await lock()
        defer { unlock() }
        do {
            while !unconfirmed.isEmpty { try await unconfirmed.removeFirst().confirmed() }
        } catch {
            fail(error)
        }
    }

    private func fail(_ error: any Error) {
        if !broken {
            logger.warning("log publish failed; dropping further output", metadata: ["job": "\(jobID)", "error": "\(error)"])
        }
        broken = true
        unconfirmed.removeAll()
    }

    private func lock() async {
        if !publishing { publishing = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func unlock() {
        if waiters.isEmpty { publishing = false } else { waiters.removeFirst().resume() }
    }
}
