import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport

/// A real `joblet-dispatcher` process with its own state dir, plus an AMQP client that talks to it
/// the way rnx and foreign services do.
final class DispatcherHarness: @unchecked Sendable {
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    let url: String
    let stateDir: String
    let extraArguments: [String]
    private(set) var process: Process?
    let connection: AMQPConnection
    let channel: AMQPChannel
    let rpc: RPCClient
    let logPath: String

    init(extraArguments: [String] = [], stateDir: String? = nil) async throws {
        url = try await DispatcherTestBroker.url()
        self.stateDir = stateDir ?? NSTemporaryDirectory() + "joblet-dispatcher-test-" + JobID.short(JobID.generate())
        self.extraArguments = extraArguments
        logPath = self.stateDir + ".log"
        connection = try await AMQPConnection.connect(AMQPConfiguration(url: url, connectionName: "dispatcher-tests"))
        channel = try await connection.openChannel()
        try await channel.enableConfirms()
        rpc = try await RPCClient(connection: connection)
        try await start()
    }

    deinit {
        // Never leave a dispatcher behind, even when a test fails early.
        if let process, process.isRunning { process.terminate() }
    }

    /// Starts (or restarts) the dispatcher process and waits until it answers queries.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DispatcherHarness.repoRoot + "/.build/debug/joblet-dispatcher")
        process.arguments = ["--broker", url, "--state-dir", stateDir, "--log-level", "info", "--fleet-warmup", "1s"]
            + extraArguments
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if let response = try? await query(RPCRequest(method: .workers), timeout: .milliseconds(500)), response.ok { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { process.terminate() }
        throw HarnessError("dispatcher did not start; log:\n" + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""))
    }

    func kill(_ signal: Int32) {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// Stops the dispatcher gracefully (SIGTERM) and waits for it.
    func terminate() {
        kill(SIGTERM)
    }

    func submit(body: [UInt8], messageID: String? = nil, userID: String? = "guest", type: String? = MessageType.jobRequest) async throws -> SubmitReply {
        var properties = Envelope.properties(type: type ?? "", messageID: messageID)
        if type == nil { properties.type = nil }
        properties.userID = userID
        let reply = try await rpc.call(routingKey: Topology.submitQueue, body: body, properties: properties, timeout: .seconds(20))
        return try JSONCodec.decode(SubmitReply.self, from: reply.body)
    }

    func submit(_ request: JobRequest, messageID: String? = nil) async throws -> SubmitReply {
        try await submit(body: try JSONCodec.encode(request), messageID: messageID)
    }

    func query(_ request: RPCRequest, userID: String? = "guest", timeout: Duration = .seconds(20)) async throws -> RPCResponse {
        var properties = Envelope.properties(type: MessageType.rpcRequest, persistent: false)
        properties.userID = userID
        let reply = try await rpc.call(routingKey: Topology.rpcQueue, body: try JSONCodec.encode(request),
                                       properties: properties, timeout: timeout)
        return try JSONCodec.decode(RPCResponse.self, from: reply.body)
    }

    /// Publishes an advert as a worker would and waits until the dispatcher lists the worker.
    func advertise(_ advert: WorkerAdvert) async throws {
        try await channel.publish(try JSONCodec.encode(advert), exchange: Topology.eventsExchange,
                                  routingKey: Topology.advertRoutingKey(workerID: advert.workerID),
                                  properties: Envelope.properties(type: MessageType.workerAdvert, persistent: false))
        for _ in 0..<100 {
            if let workers = try await query(RPCRequest(method: .workers)).workers,
               workers.contains(where: { $0.workerID == advert.workerID }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("the dispatcher never listed worker \(advert.workerID)")
    }

    /// Polls `status` until `condition` holds (or gives the last record after ~20 s).
    func waitForJob(_ id: String, until condition: (JobRecord) -> Bool) async throws -> JobRecord? {
        var last: JobRecord?
        for _ in 0..<200 {
            last = try await query(RPCRequest(method: .status, jobID: id)).job
            if let last, condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    /// A fake worker offering one made-up runtime (unique per test, so tests do not see each other's).
    static func fakeWorker(runtimeID: String, language: String, version: String, arch: String = "x86_64",
                           memoryTotal: Int64 = 8 << 30, slotsFree: Int = 4, minMemory: Int64? = nil) -> WorkerAdvert {
        let runtime = RuntimeDescriptor(id: runtimeID, language: language, version: version, minMemory: minMemory)
        return WorkerAdvert(
            workerID: "fake-" + JobID.short(JobID.generate()), hostname: "test", arch: arch, kernel: "6.1", cgroupMode: "v2",
            status: .online, runtimes: [runtime],
            queues: [Topology.jobQueue(runtimeID: runtimeID, arch: arch), Topology.jobQueue(runtimeID: nil, arch: arch)],
            slotsTotal: 4, slotsFree: slotsFree, memoryTotal: memoryTotal, memoryAvailable: memoryTotal, load1: 0,
            version: "test", time: Clock.now, interval: 60, runningJobs: [], metrics: WorkerMetrics())
    }

    /// A language name no other test uses.
    static func uniqueLanguage() -> String { "zz" + JobID.short(JobID.generate()) }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The broker for this test run (TestBroker.shared(): JOBLET_TEST_AMQP_URL from scripts/test, else a
/// private node), with a private vhost for the dispatcher tests.
enum DispatcherTestBroker {
    static func url() async throws -> String {
        let base = try await TestBroker.shared()
        return isolated.url(base: base)
    }

    static let isolated = IsolatedVhost()

    /// The run's broker URL with a private vhost for the dispatcher tests, so dispatchers and workers
    /// started by other test targets on the same broker never consume our submissions and queries.
    /// Falls back to the broker's default vhost when the node is not one of scripts/broker's.
    final class IsolatedVhost: @unchecked Sendable {
        private let lock = NSLock()
        private var cached: String?

        func url(base: String) -> String {
            lock.lock()
            defer { lock.unlock() }
            if let cached { return cached }
            let vhost = "joblet-dispatcher-tests-\(getpid())"
            let result = DispatcherTestBroker.addVhost(vhost, brokerURL: base) ? DispatcherTestBroker.url(base, vhost: vhost) : base
            cached = result
            return result
        }
    }

    static func url(_ base: String, vhost: String) -> String {
        var trimmed = base
        if let schemeEnd = trimmed.range(of: "://"), let slash = trimmed[schemeEnd.upperBound...].firstIndex(of: "/") {
            trimmed = String(trimmed[..<slash])
        }
        return trimmed + "/" + vhost
    }

    /// `rabbitmqctl add_vhost` on the scripts/broker node listening on the URL's port.
    static func addVhost(_ vhost: String, brokerURL: String) -> Bool {
        rabbitmqctl(["add_vhost", vhost], brokerURL: brokerURL)
            && rabbitmqctl(["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], brokerURL: brokerURL)
    }

    /// Adds a broker user with full permissions on the URL's vhost and returns a URL logging in as it.
    static func addUser(_ user: String, password: String, on url: String) throws -> String {
        let vhost = String(url.split(separator: "/").last ?? "")
        guard rabbitmqctl(["add_user", user, password], brokerURL: url),
              rabbitmqctl(["set_permissions", "-p", vhost, user, ".*", ".*", ".*"], brokerURL: url) else {
            throw HarnessError("rabbitmqctl add_user \(user) failed (is the broker one of scripts/broker's nodes?)")
        }
        guard let at = url.range(of: "@"), let scheme = url.range(of: "://") else { throw HarnessError("odd URL") }
        return String(url[..<scheme.upperBound]) + "\(user):\(password)" + String(url[at.lowerBound...])
    }

    /// Runs `rabbitmqctl ARGS` against the scripts/broker node listening on the URL's port.
    static func rabbitmqctl(_ arguments: [String], brokerURL: String) -> Bool {
        guard let port = brokerURL.split(separator: ":").last?.split(separator: "/").first else { return false }
        let script = """
            port=$1; shift
            for dir in ${JOBLET_BROKER_DIR:-/tmp}/joblet-broker-*; do
              [ "$(cat "$dir/port" 2>/dev/null)" = "$port" ] || continue
              name=${dir##*/joblet-broker-}
              export HOME="$dir/home"
              exec /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "joblet-$name@localhost" "$@"
            done
            exit 1
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script, "bash", String(port)] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
