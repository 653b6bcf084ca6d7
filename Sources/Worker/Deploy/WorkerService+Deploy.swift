#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import AsyncAlgorithms
import FoundationEssentials
import JobletCore
import JobletPackages
import JobletMessaging
import Logging
import Synchronization
import SystemCalls

/// `runtime_deploy` and `runtime_remove` from the dispatcher (docs/PROTOCOL.md, Deploying runtimes):
/// the package is read from its stream queue into a file next to the runtimes, verified, installed
/// with the atomic swap of `RuntimePackage.install`, advertised, and reported to the caller.
extension WorkerService {
    /// No chunk for this long fails the deploy (the deployer went away).
    static let deployIdleTimeout = Duration.seconds(120)

    func deployRuntime(_ command: ControlCommand, correlationID: String?, _ session: Session) async {
        let started = ContinuousClock.now
        guard let order = command.deploy else {
            logger.warning("runtime_deploy without deploy; ignored")
            return
        }
        let reporter = DeployReporter(
            service: self, session: session, correlationID: correlationID,
            deployID: order.deployID, runtime: order.runtime, started: started)
        let path = config.runtimesPath + "/.deploy-\(order.deployID).package"
        do {
            try order.validate()
            logger.info(
                "runtime deploy",
                metadata: [
                    "runtime": "\(order.runtime)", "deploy": "\(order.deployID)",
                    "bytes": "\(order.size)", "by": "\(order.deployer)",
                ])
            try FileManager.default.createDirectory(atPath: config.runtimesPath, withIntermediateDirectories: true)
            defer { unlink(path) }
            try await receivePackage(order, into: path, session: session, reporter: reporter)
            let base = config.runtimesPath
            let installed = try await BlockingExecutor.shared.run {
                try RuntimePackage.install(package: path, basePath: base, expectedSHA256: order.sha256, force: true)
            }
            if inventory.rescan(force: true) { session.reconcileSink.yield() }
            await publishAdvert(session)
            let verb = installed.replaced ? "replaced" : "installed"
            await reporter.send(
                .installed, received: order.size,
                message: "\(verb) \(installed.config.name) \(installed.config.version) in \(installed.directory)")
        } catch {
            let message = (error as? JobletError)?.message ?? "\(error)"
            logger.warning("runtime deploy failed", metadata: ["deploy": "\(order.deployID)", "error": "\(message)"])
            await reporter.send(.failed, message: message)
        }
    }

    func removeRuntime(_ command: ControlCommand, correlationID: String?, _ session: Session) async {
        guard let name = command.runtime else { return }
        let reporter = DeployReporter(
            service: self, session: session, correlationID: correlationID,
            deployID: name, runtime: name, started: .now)
        do {
            let base = config.runtimesPath
            let directory = try await BlockingExecutor.shared.run { try RuntimePackage.remove(name: name, basePath: base) }
            if inventory.rescan(force: true) { session.reconcileSink.yield() }
            await publishAdvert(session)
            await reporter.send(.removed, message: "removed \(name) from \(directory)")
        } catch {
            await reporter.send(.failed, message: (error as? JobletError)?.message ?? "\(error)")
        }
    }

    /// Reads the order's stream queue from its first message until the last chunk, on a channel of
    /// its own with a small prefetch (the memory bound), reporting progress every tenth of the size.
    private func receivePackage(
        _ order: RuntimeDeployOrder, into path: String, session: Session,
        reporter: DeployReporter
    ) async throws {
        let receiver = try PackageReceiver(order: order, path: path)
        let channel = try await session.connection.openChannel()
        do {
            // About 16 MiB in flight, at least 2 chunks: bounded whatever the package size.
            try await channel.qos(prefetchCount: UInt16(max(2, min(16, (16 << 20) / order.chunkSize))))
            let consumer: AMQPConsumer
            do {
                consumer = try await channel.consume(
                    queue: order.queue, arguments: ["x-stream-offset": .string("first")], bodyLimit: order.chunkSize)
            } catch {
                throw JobletError(.io, "cannot read the package's stream queue \(order.queue): \(error)")
            }
            let lastProgress = ProgressTime()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in AsyncTimerSequence(interval: .seconds(2), clock: .continuous) {
                        let idle = ContinuousClock.now - lastProgress.last
                        if idle > Self.deployIdleTimeout {
                            throw JobletError(
                                .io, "no chunk for \(Self.deployIdleTimeout) after \(receiver.received) of \(order.size) bytes; the deployer went away")
                        }
                    }
                    // The timer ends quietly on cancellation; end as the sleep did, with CancellationError.
                    throw CancellationError()
                }
                group.addTask {
                    var nextReport = order.size / 10
                    for try await delivery in consumer {
                        let seq: Int? =
                            if case .int(let value)? = delivery.properties.headers?[Topology.deploySeqHeader],
                                let int = Int(exactly: value)
                            { int } else { nil }
                        let outcome = try await receiver.accept(
                            seq: seq, body: delivery.body, dropped: delivery.droppedBody, sender: delivery.properties.userID)
                        do {
                            try await channel.ack(delivery)
                        } catch let error as AMQPError where error.code == .staleDelivery {
                            // It arrived before a reconnect: the restored consumer reads the stream from
                            // its first chunk again, and the receiver skips what it already has.
                        }
                        lastProgress.touch()
                        if outcome == .complete { return }
                        if receiver.received >= nextReport {
                            nextReport = receiver.received + order.size / 10
                            await reporter.send(
                                .receiving, received: receiver.received,
                                message: "received \(receiver.received) of \(order.size) bytes")
                        }
                    }
                    throw JobletError(.io, "the stream \(order.queue) ended after chunk \(receiver.nextSeq) of \(order.chunks)")
                }
                try await group.next()
                group.cancelAll()
            }
            try receiver.verify()
        } catch {
            await channel.close()
            throw error
        }
        await channel.close()
    }
}

/// Sends `RuntimeDeployReport`s to the dispatcher, which passes those on a caller's request on to it
/// (transient: a caller gone is nobody's loss).
struct DeployReporter: Sendable {
    let service: WorkerService
    let session: WorkerService.Session
    let correlationID: String?
    let deployID: String
    let runtime: String
    let started: ContinuousClock.Instant

    func send(_ state: RuntimeDeployReport.State, received: UInt64? = nil, message: String) async {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let report = RuntimeDeployReport(
            workerID: service.config.workerID, deployID: deployID, runtime: runtime,
            state: state, received: received, message: message, durationSeconds: seconds)
        do {
            try await service.publishReport(Envelope.encode(report), type: MessageType.runtimeDeployReport, correlationID: correlationID, session)
        } catch {
            service.logger.warning("cannot report a runtime deploy", metadata: ["error": "\(error)"])
        }
    }
}

/// When the last chunk arrived, shared by the reader and the idle watchdog.
final class ProgressTime: Sendable {
    private let time = Mutex(ContinuousClock.now)
    var last: ContinuousClock.Instant { time.withLock { $0 } }
    func touch() { time.withLock { $0 = .now } }
}
