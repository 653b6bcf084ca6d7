import CRabbitMQ
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one OS thread that owns a librabbitmq connection. Swift callers enqueue commands
/// (closures run on this thread) and wake it through an eventfd; between commands the thread
/// polls the socket and dispatches deliveries, returns, confirms, closes and heartbeats.
/// Blocking C calls therefore never run on the Swift cooperative pool.
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

    func setConnected(_ value: Bool) { connectedValue.store(value, ordering: .releasing) }
    func bumpGeneration() -> UInt64 { generationValue.add(1, ordering: .acquiringAndReleasing).newValue }

    /// Starts the loop thread; it keeps the loop alive until `stop` ran.
    func start() throws(AMQPError) {
        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            guard let arg else { return nil }
            let loop = Unmanaged<ConnectionLoop>.fromOpaque(arg).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<ConnectionLoop>.fromOpaque(box).release()
            throw AMQPError(.protocolError, "cannot start the connection thread", cause: String(cString: strerror(rc)))
        }
        pthread_detach(tid)
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
        if wake {
            var one: UInt8 = 1
            _ = write(wakeWriteFD, &one, 1)
        }
        return accepted
    }

    /// Runs `body` on the loop thread and returns its result to the async caller.
    func perform<T: Sendable>(_ body: @escaping @Sendable (ConnectionLoop) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let accepted = submit { loop in
                c.resume(with: Result { try body(loop) })
            }
            if !accepted {
                c.resume(throwing: AMQPError(.connectionLost, "the connection is closed"))
            }
        }
    }

    private func run() {
        while running {
            drainCommands()
            guard running else { break }
            if connection != nil {
                pumpFrames()
            } else if let at = nextReconnectAt, ContinuousClock.now >= at {
                attemptReconnect()
            }
            checkDeadlines()
            waitForWork()
        }
        let leftover = inbox.withLock { box -> [Command] in
            box.stopped = true
            defer { box.commands.removeAll() }
            return box.commands
        }
        // Commands that raced with stop still run, against a terminal error.
        for c in leftover { c(self) }
        connection = nil
    }

    private func drainCommands() {
        inbox.withLock { box in swap(&box.commands, &scratch) }
        for c in scratch { c(self) }
        scratch.removeAll(keepingCapacity: true)
    }

    private func waitForWork() {
        var timeoutMS: Int32 = 100
        if let conn = connection {
            if conn.hasBufferedData { timeoutMS = 0 }
        } else if let at = nextReconnectAt {
            let left = at - ContinuousClock.now
            timeoutMS = Int32(max(0, min(100, left.milliseconds)))
        }
        let pending = inbox.withLock { box -> Bool in
            if box.commands.isEmpty { box.wakePending = false; return false }
            return true
        }
        if pending { timeoutMS = 0 }
        var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        if let conn = connection { fds.append(pollfd(fd: conn.socketFD, events: Int16(POLLIN), revents: 0)) }
        let n = poll(&fds, nfds_t(fds.count), timeoutMS)
        if n > 0 && fds[0].revents != 0 {
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

extension Duration {
    var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}

func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
