import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Synchronization
import TestSupport

/// A real `joblet-dispatcher` process with its own state dir, plus an AMQP client that talks to it
/// the way rnx and foreign services do.
final class DispatcherHarness: @unchecked Sendable {
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The vhost's URL with guest, for rabbitmqctl look-ups only: nothing Joblet logs in as guest.
    let url: String
    /// The vhost's URL without credentials (binaries get `--credentials-file`).
    let bareURL: String
    let users: DispatcherTestUsers
    let stateDir: String
    let extraArguments: [String]
    private(set) var process: Process?
    /// Logged in as `DispatcherTestUsers.client` (an admin of every harness dispatcher): submits and
    /// queries the way rnx does, on `joblet.api`.
    let connection: AMQPConnection
    let rpc: RPCClient
    /// Logged in as an operator with the dispatcher role's broker permissions, but not the running
    /// dispatcher's user (so nothing it publishes is trusted): purges and inspects queues.
    let channel: AMQPChannel
    let logPath: String
    private let workerChannels = NSLockedDictionary<String, AMQPChannel>()

    /// `config`: the text of a dispatcher.yml for it to read (`--config`, written to the scratch dir).
    init(extraArguments: [String] = [], stateDir: String? = nil, config: String? = nil) async throws {
        url = try await DispatcherTestBroker.url()
        bareURL = BrokerRoles.withoutCredentials(url)
        users = try await DispatcherTestUsers.shared(url: url)
        // The log (and the state dir, unless given) in a scratch dir of its own, removed at exit.
        let scratch = ScratchPath.make("dispatcher-test")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        self.stateDir = stateDir ?? scratch + "/state"
        if let config {
            try config.write(toFile: scratch + "/dispatcher.yml", atomically: true, encoding: .utf8)
            self.extraArguments = ["--config", scratch + "/dispatcher.yml"] + extraArguments
        } else {
            self.extraArguments = extraArguments
        }
        logPath = scratch + "/dispatcher.log"
        connection = try await AMQPConnection.connect(AMQPConfiguration(url: users.client.url, connectionName: "dispatcher-tests"))
        rpc = try await RPCClient(connection: connection)
        let operatorConnection = try await AMQPConnection.connect(DispatcherHarness.configuration(users.operator.url, "dispatcher-tests-ops"))
        channel = try await operatorConnection.openChannel()
        try await channel.enableConfirms()
        try await start()
    }

    static func configuration(_ url: String, _ name: String) -> AMQPConfiguration {
        var configuration = AMQPConfiguration(url: url, connectionName: name)
        configuration.identifyPublishes = true
        return configuration
    }

    /// A confirmed channel logged in as the worker user `workerID` (from `fakeWorker`'s pool).
    func channel(asWorker workerID: String) async throws -> AMQPChannel {
        if let cached = workerChannels[workerID] { return cached }
        guard let user = users.workers.first(where: { $0.name == workerID }) else {
            throw HarnessError("\(workerID) is not one of the test process's worker users")
        }
        let connection = try await AMQPConnection.connect(DispatcherHarness.configuration(user.url, "dispatcher-tests-\(workerID)"))
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        workerChannels[workerID] = channel
        return channel
    }

    deinit {
        // Never leave a dispatcher behind, even when a test fails early.
        if let process, process.isRunning { process.terminate() }
    }

    /// Starts (or restarts) the dispatcher process and waits until it answers queries.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DispatcherHarness.repoRoot + "/.build/debug/joblet-dispatcher")
        process.arguments =
            [
                "--broker", bareURL, "--credentials-file", users.dispatcher.credentialsFile,
                "--admin", users.client.name, "--state-dir", stateDir, "--log-level", "info", "--fleet-warmup", "1s",
            ]
            + extraArguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        // On a fresh vhost nothing exists until the dispatcher declares it; a publish to a missing
        // joblet.api would close the client's channel.
        for _ in 0..<200 {
            let probe = try await channel.connection.openChannel()
            if (try? await probe.checkExchange(Topology.apiExchange)) != nil { await probe.close(); break }
            await probe.close()
            try await Task.sleep(for: .milliseconds(100))
        }
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

    /// `userID: nil` sends no user_id at all (the client connection does not stamp one).
    func submit(
        body: [UInt8], messageID: String? = nil, userID: String? = DispatcherTestUsers.clientName,
        type: String? = MessageType.jobRequest
    ) async throws -> SubmitReply {
        var properties = Envelope.properties(type: type ?? "", messageID: messageID)
        if type == nil { properties.type = nil }
        properties.userID = userID
        let reply = try await rpc.call(
            exchange: Topology.apiExchange, routingKey: Topology.submitRoutingKey, body: body,
            properties: properties, timeout: .seconds(20))
        return try JSONCodec.decode(SubmitReply.self, from: reply.body)
    }

    func submit(_ request: JobRequest, messageID: String? = nil) async throws -> SubmitReply {
        try await submit(body: try JSONCodec.encode(request), messageID: messageID)
    }

    func query(_ request: RPCRequest, userID: String? = DispatcherTestUsers.clientName, timeout: Duration = .seconds(20)) async throws -> RPCResponse {
        var properties = Envelope.properties(type: MessageType.rpcRequest, persistent: false)
        properties.userID = userID
        let reply = try await rpc.call(
            exchange: Topology.apiExchange, routingKey: Topology.rpcRoutingKey,
            body: try JSONCodec.encode(request), properties: properties, timeout: timeout)
        return try JSONCodec.decode(RPCResponse.self, from: reply.body)
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
}

/// The role users of this test process's dispatcher tests, made once in one import: the dispatcher
/// every harness runs as, the client (an admin of every harness dispatcher), an operator with the
/// dispatcher role's permissions, and a pool of worker users for fake workers and real ones.
struct DispatcherTestUsers: Sendable {
    let dispatcher: BrokerRoles.User
    let client: BrokerRoles.User
    let `operator`: BrokerRoles.User
    let workers: [BrokerRoles.User]

    static let clientName = "harness-\(getpid())"
    static let poolSize = 64
    static func workerName(_ index: Int) -> String { "joblet-worker-t\(getpid())-\(index)" }
    private static let nextWorker = Atomic<Int>(0)

    /// The next unused worker user of the pool (each fake or real worker gets its own).
    static func nextFakeWorker() -> String {
        workerName(nextWorker.add(1, ordering: .relaxed).oldValue % poolSize)
    }

    private static let shared_ = SharedOnce<DispatcherTestUsers>()

    /// The users provisioned once per process, on the broker at `url` of the first call.
    static func shared(url: String) async throws -> DispatcherTestUsers {
        try await shared_.value {
            try await Task.detached {
                var wanted: [(role: String, name: String)] = [
                    ("dispatcher", "joblet-dispatcher-t\(getpid())"), ("admin", clientName),
                    ("dispatcher", "operator-t\(getpid())"),
                ]
                wanted += (0..<poolSize).map { ("worker", workerName($0)) }
                let users = try BrokerRoles.provision(wanted, brokerURL: url)
                return DispatcherTestUsers(
                    dispatcher: users[0], client: users[1], operator: users[2],
                    workers: Array(users[3...]))
            }.value
        }
    }
}

/// A lock-protected dictionary for the harness's per-worker channels.
final class NSLockedDictionary<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Key: Value] = [:]
    subscript(key: Key) -> Value? {
        get { lock.lock(); defer { lock.unlock() }; return storage[key] }
        set { lock.lock(); defer { lock.unlock() }; storage[key] = newValue }
    }
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

    /// Makes a user of `role` on the URL's vhost with the shipped permissions; returns a URL logging in as it.
    static func addUser(_ user: String, on url: String, role: String = "submitter") throws -> String {
        try BrokerRoles.provision(role: role, name: user, brokerURL: url).url
    }

    /// Runs `rabbitmqctl ARGS` against the scripts/broker node listening on the URL's port.
    static func rabbitmqctl(_ arguments: [String], brokerURL: String) -> Bool {
        (try? BrokerRoles.rabbitmqctl(arguments, brokerURL: brokerURL)) != nil
    }
}
