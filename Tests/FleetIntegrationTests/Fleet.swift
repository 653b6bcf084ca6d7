import Foundation
import JobletCore
import TestSupport
import Testing

/// Every suite on the shared fleet, run one after another: some take a broker node or a worker host
/// down, which the others must not see. Each test may take up to 30 minutes (the fleet starts in the
/// first; a deploy builds a runtime) and is then stopped, so a hung one cannot hold the run.
@Suite(.serialized, .timeLimit(.minutes(30))) enum FleetSuite {}

/// A local fleet started with `scripts/fleet up`: a broker "host" namespace with a 3-node RabbitMQ
/// cluster and the dispatcher, and two worker "hosts" (own network + UTS namespaces, reached over
/// veth) with different runtimes. Every process logs in as its role's broker user (guest is
/// deleted). Started once per test process; `scripts/fleet down` at exit removes every process,
/// namespace and veth it made, also when a test failed.
final class Fleet: Sendable {
    let name: String
    /// Worker ids = their broker users: `joblet-worker-fleet-a-<name>` offers fleeta-1.0 and both-1.0,
    /// `joblet-worker-fleet-b-<name>` fleetb-1.0 and both-1.0.
    let workerA: String
    let workerB: String
    /// The submitter `rnx` runs as by default, and the admin.
    let submitter: String
    let admin: String
    /// The state dir with every process's log.
    let state: String

    private init(name: String, state: String, workers: [String], submitter: String, admin: String) {
        self.name = name
        self.workerA = workers[0]
        self.workerB = workers[1]
        self.submitter = submitter
        self.admin = admin
        self.state = state
    }

    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    static var script: String { repoRoot + "/scripts/fleet" }

    private static let shared_ = SharedOnce<Fleet>()
    private static let running = LockedValue<String?>(nil)

    /// The fleet shared by every test in this process.
    static func shared() async throws -> Fleet { try await shared_.value { try await Fleet.start() } }

    private static func start() async throws -> Fleet {
        let name = "t\(getpid())"
        // Registered before `up`: a start that fails half-way is still taken down at exit.
        running.withLock { $0 = name }
        atexit { Fleet.downAtExit() }
        let up = try await Subprocess.run(script, ["up", "--name", name])
        guard up.status == 0, let state = value("STATE", in: up.stdout),
            let workers = value("WORKERS", in: up.stdout)?.split(separator: ",").map(String.init), workers.count == 2,
            let submitter = value("SUBMITTER", in: up.stdout), let admin = value("ADMIN", in: up.stdout)
        else {
            throw FleetError("scripts/fleet up failed: \(up)")
        }
        let fleet = Fleet(name: name, state: state, workers: workers, submitter: submitter, admin: admin)
        try await fleet.waitUntilReady()
        return fleet
    }

    private static func downAtExit() {
        guard let name = running.withLock({ $0 }) else { return }
        _ = try? Subprocess.runBlocking(script, ["down", "--name", name])
    }

    static func value(_ key: String, in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// Waits until the dispatcher knows both workers with their runtimes.
    private func waitUntilReady() async throws {
        var last = CommandResult(status: -1, stdout: "", stderr: "")
        for _ in 0..<180 {
            last = try await rnx(["workers", "--json"])
            if last.status == 0, let workers = try? decode([WorkerAdvert].self, last),
                Set(workers.filter { $0.runtimes.count >= 2 }.map(\.workerID)).isSuperset(of: [workerA, workerB])
            {
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw FleetError("the fleet did not become ready; last rnx workers: \(last)\n\(logs())")
    }

    /// The tail of every process's log, for failure messages.
    func logs() -> String {
        ["dispatcher.log", "worker-a.log", "worker-b.log"].map {
            "--- \($0)\n" + ((try? String(contentsOfFile: "\(state)/\($0)", encoding: .utf8)) ?? "").suffix(2500)
        }.joined(separator: "\n")
    }

    /// Runs the CLI inside the broker host with all three node URLs, as a user there would: as the
    /// submitter, or as `user`.
    func rnx(_ arguments: [String], as user: String? = nil) async throws -> CommandResult {
        try await Subprocess.run(Fleet.script, ["rnx", "--name", name, "--as", user ?? submitter] + arguments)
    }

    /// Stops broker node `index` (1-3), keeping its data.
    func stopNode(_ index: Int) async throws {
        let result = try await Subprocess.run(Fleet.script, ["node", "--name", name, "stop", "\(index)"])
        guard result.status == 0 else { throw FleetError("stopping node \(index) failed: \(result)") }
    }

    /// Stops (SIGTERM: the worker advertises offline) or starts the worker of host `host` (a or b),
    /// which keeps its runtimes and state.
    func worker(_ action: String, _ host: String) async throws {
        let result = try await Subprocess.run(Fleet.script, ["worker", "--name", name, action, host])
        guard result.status == 0 else { throw FleetError("\(action) of worker \(host) failed: \(result)") }
    }

    /// One AMQP connection: the node it is on and the broker user it logged in as.
    struct Connection: Sendable, CustomStringConvertible {
        let node: String
        let user: String
        var description: String { "\(user)@\(node)" }
    }

    /// Every AMQP connection keyed by connection name (e.g. `joblet-dispatcher`).
    func connections() async throws -> [String: Connection] {
        let result = try await Subprocess.run(Fleet.script, ["nodes", "--name", name])
        guard result.status == 0 else { throw FleetError("scripts/fleet nodes failed: \(result)") }
        var map: [String: Connection] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count == 3 { map[String(parts[2])] = Connection(node: String(parts[0]), user: String(parts[1])) }
        }
        return map
    }

    /// Node number (1-3) of a node name like `joblet-fleet-t42-2@localhost`.
    func nodeIndex(_ node: String) -> Int? {
        guard let at = node.firstIndex(of: "@"), let last = node[..<at].last, let index = Int(String(last)) else { return nil }
        return index
    }

    func decode<T: Decodable>(_ type: T.Type, _ result: CommandResult) throws -> T {
        try JSONCodec.decode(type, from: Array(result.stdout.utf8), rejectUnknownKeys: false)
    }
}

/// Why the fleet could not be used.
struct FleetError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
