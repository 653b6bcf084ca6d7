import CRabbitMQ
import Synchronization
import SystemCalls
#if canImport(Glibc)
    import Glibc
#endif

/// The one OS thread that owns a librabbitmq connection. Swift callers enqueue commands
/// (closures run on this thread) and wake it through a pipe; between commands the thread
/// polls the socket and dispatches deliveries, returns, confirms, closes and heartbeats.
/// Blocking broker RPCs (declare, bind, qos...) therefore never run on the Swift cooperative pool.
///
/// All loop state (below "Loop-thread state") is guarded by `stateLock`, which the loop thread
/// holds except while it sleeps in poll(). Hot fire-and-forget calls (publish, ack) use
/// `runNowOrSubmit`: when the thread sleeps and nothing is queued they run on the caller's
/// thread (no closure, no wake-up, no thread hop), else they are queued, keeping call order.
final class ConnectionLoop: @unchecked Sendable {
    typealias Command = @Sendable (ConnectionLoop) -> Void

    private struct Inbox {
        var commands: [Command] = []
        var wakePending = false
        var stopped = false
    }

    let configuration: AMQPConfiguration
    let urls: [AMQPURL]
    let events: AsyncStream<AMQPConnectionEvent>
    let eventSink: AsyncStream<AMQPConnectionEvent>.Continuation
    private let inbox = Mutex(Inbox())
    /// Self-pipe that wakes the loop thread from poll(); one byte per batch of commands.
    private let wakeFD: Int32
    private let wakeWriteFD: Int32
    private let generationValue = Atomic<UInt64>(0)
    private let connectedValue = Atomic<Bool>(false)
    private let stateLock = Mutex<Void>(())
    private let endpointValue = Mutex<String?>(nil)

    // Loop-thread state.
    var connection: RabbitConnection?
    var channels: [UInt16: ChannelState] = [:]
    var nextChannelID: UInt16 = 1
    var running = true
    /// Set once the connection is closed for good; every later command fails with it.
    var terminalError: AMQPError?
    var reconnectAttempt = 0
    var nextReconnectAt: ContinuousClock.Instant?
    var lastDeadlineCheck = ContinuousClock.now
    private var scratch: [Command] = []
    /// Consumer buffers that received deliveries during the current pump (flushed as one batch each).
    var dirtyBuffers: [DeliveryBuffer] = []
    /// Reused C memory for publish properties (reset after every publish).
    let publishArena = CArena(chunkSize: 4096)

    init(configuration: AMQPConfiguration, urls: [AMQPURL]) throws(AMQPError) {
        self.configuration = configuration
        self.urls = urls
        (events, eventSink) = AsyncStream.makeStream(of: AMQPConnectionEvent.self, bufferingPolicy: .bufferingNewest(64))
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw AMQPError(.protocolError, "cannot create the connection's wake-up pipe (pipe2)", cause: errnoText())
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wakeFD = fds[0]
        wakeWriteFD = fds[1]
    }

    deinit {
        close(wakeFD)
        close(wakeWriteFD)
    }

    var generation: UInt64 { generationValue.load(ordering: .acquiring) }
    var isConnected: Bool { connectedValue.load(ordering: .acquiring) }

    /// `host:port` of the node the connection is on (never credentials); nil while disconnected.
    var endpoint: String? { endpointValue.withLock { $0 } }

    func setConnected(_ value: Bool) {
        connectedValue.store(value, ordering: .releasing)
        let ep = value ? connection.map { "\($0.url.host):\($0.url.port)" } : nil
        endpointValue.withLock { $0 = ep }
    }
    func bumpGeneration() -> UInt64 { generationValue.add(1, ordering: .acquiringAndReleasing).newValue }

    /// Starts the loop thread; it keeps the loop alive until `stop` ran.
    func start() throws(AMQPError) {
        do {
            try DetachedThread.start(name: "joblet-amqp") { [self] in run() }
        } catch {
            throw AMQPError(.protocolError, "cannot start the connection thread", cause: error.text)
        }
    }

    /// Enqueues a command; wakes the thread only if it was not already woken (batched wake-ups).
    /// Returns false when the loop has stopped (the command will never run).
    @discardableResult
    func submit(_ command: @escaping Command) -> Bool {
        let (accepted, wake) = inbox.withLock { box -> (Bool, Bool) in
            if box.stopped { return (false, false) }
            box.commands.append(command)
            if box.wakePending { return (true, false) }
            box.wakePending = true
            return (true, true)
        }
        if wake { self.wake() }
        return accepted
    }

    /// Runs `body` right here if the loop thread sleeps in poll() and no command is queued
    /// (so it cannot overtake an earlier call); otherwise queues `makeCommand()`.
    /// Only for short non-blocking work (a publish or ack write), never for broker RPCs.
    @discardableResult
    func runNowOrSubmit(_ body: (ConnectionLoop) -> Void, else makeCommand: () -> Command) -> Bool {
        let ran: Bool? = stateLock.withLockIfAvailable { _ -> Bool in
            guard inbox.withLock({ $0.commands.isEmpty && !$0.stopped }) else { return false }
            body(self)
            // The call may have lost the connection: let the thread schedule the reconnect now.
            if connection == nil || !running { wake() }
            return true
        }
        if ran == true { return true }
        return submit(makeCommand())
    }

    private func wake() {
        var one: UInt8 = 1
        _ = write(wakeWriteFD, &one, 1)
    }

    /// Runs `body` on the loop thread and returns its result to the async caller.
    func perform<T: Sendable>(_ body: @escaping @Sendable (ConnectionLoop) throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<T, any Error>) in
            let accepted = submit { loop in
                c.resume(with: Result { try body(loop) })
            }
            if !accepted {
                c.resume(throwing: AMQPError(.connectionLost, "the connection is closed"))
            }
        }
    }

    private func run() {
        while true {
            let wait: (timeoutMS: Int32, socket: Int32?)? = stateLock.withLock { _ in
                guard running else { return nil }
                drainCommands()
                guard running else { return nil }
                if connection != nil {
                    pumpFrames()
                } else if let at = nextReconnectAt, ContinuousClock.now >= at {
                    attemptReconnect()
                }
                checkDeadlines()
                guard running else { return nil }
                return pollPlan()
            }
            guard let wait else { break }
            waitForWork(timeoutMS: wait.timeoutMS, socket: wait.socket)
        }
        stateLock.withLock { _ in
            let leftover = inbox.withLock { box -> [Command] in
                box.stopped = true
                defer { box.commands.removeAll() }
                return box.commands
            }
            // Commands that raced with stop still run, against a terminal error.
            for c in leftover { c(self) }
            connection = nil
        }
    }

    private func drainCommands() {
        inbox.withLock { box in swap(&box.commands, &scratch) }
        for c in scratch { c(self) }
        scratch.removeAll(keepingCapacity: true)
    }

    /// How long to sleep and which socket to watch (computed under the state lock).
    private func pollPlan() -> (timeoutMS: Int32, socket: Int32?) {
        var timeoutMS: Int32 = 100
        if let conn = connection {
            if conn.hasBufferedData { timeoutMS = 0 }
        } else if let at = nextReconnectAt {
            let left = at - ContinuousClock.now
            timeoutMS = Int32(max(0, min(100, left.wholeMilliseconds)))
        }
        let pending = inbox.withLock { box -> Bool in
            if box.commands.isEmpty { box.wakePending = false; return false }
            return true
        }
        if pending { timeoutMS = 0 }
        return (timeoutMS, connection?.socketFD)
    }

    /// Sleeps in poll() without the state lock, so callers may publish and ack meanwhile.
    private func waitForWork(timeoutMS: Int32, socket: Int32?) {
        var fds = (
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: socket ?? -1, events: Int16(POLLIN), revents: 0)
        )
        let n = withUnsafeMutablePointer(to: &fds) { p in
            p.withMemoryRebound(to: pollfd.self, capacity: 2) { poll($0, socket == nil ? 1 : 2, timeoutMS) }
        }
        if n > 0 && fds.0.revents != 0 {
            var drain = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            _ = withUnsafeMutableBytes(of: &drain) { read(wakeFD, $0.baseAddress, $0.count) }
        }
    }

    func emit(_ event: AMQPConnectionEvent) {
        eventSink.yield(event)
    }

    /// Asks the loop to stop after running what is queued (used by `close()` and `deinit`).
    func requestStop() {
        submit { loop in loop.shutdown(error: nil) }
    }
}
