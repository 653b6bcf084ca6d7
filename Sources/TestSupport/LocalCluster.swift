import Foundation
import JobletCore

/// A real local Joblet cluster for the tests of rnx and of the client library: its own RabbitMQ node
/// (so no other test suite's dispatcher answers our queries), one `joblet-dispatcher` and two
/// `joblet-worker` processes started from `.build/debug` with temp state dirs, and a tiny runtime
/// `rnxsh-1.0` installed for the main worker. Every process logs in as the broker user of its role
/// (never guest): the dispatcher and workers read theirs with `--credentials-file`; clients log in as
/// `alice`, `bob` … Started once per test process and torn down at exit.
public final class LocalCluster: Sendable {
    /// The broker URL without credentials.
    public let url: String
    public let root: String
    /// The main worker: its id is its broker user. It offers `rnxsh-1.0`.
    public let workerID: String
    /// A second worker (no runtimes, one slot) that tests may drain and resume without taking the
    /// main worker out of scheduling while other tests run.
    public let spareWorkerID: String
    public let binaries: String
    /// The submitter tests use unless told otherwise.
    public let alice: BrokerRoles.User
    /// A second submitter: must not see alice's jobs.
    public let bob: BrokerRoles.User
    /// Listed in the dispatcher's `--admin`.
    public let admin: BrokerRoles.User
    /// A user with the dispatcher's broker permissions but no part in the cluster (workers do not
    /// trust it): for tests that look at the queues themselves.
    public let observer: BrokerRoles.User
    /// The runtime the worker offers: a shell script mounted at /usr/local/bin.
    public static let runtimeID = "rnxsh-1.0"
    public static let slots = 4

    private let processes: [Process]
    private let broker: PrivateBroker

    private init(
        url: String, root: String, workerID: String, spareWorkerID: String, binaries: String,
        users: ProvisionedUsers, processes: [Process], broker: PrivateBroker
    ) throws {
        self.url = url
        self.root = root
        self.workerID = workerID
        self.spareWorkerID = spareWorkerID
        self.binaries = binaries
        self.alice = try users["alice"]
        self.bob = try users["bob"]
        self.admin = try users["admin"]
        self.observer = try users["observer"]
        self.processes = processes
        self.broker = broker
    }

    private static let shared_ = SharedOnce<LocalCluster>()

    /// The cluster shared by every test in this process. The first caller's `ready` decides when it
    /// is ready: polled every 0.5 s for a minute, it returns nil once a job runs end to end and
    /// otherwise what it saw (for the failure message).
    public static func shared(ready: @escaping @Sendable (LocalCluster) async throws -> String?) async throws -> LocalCluster {
        try await shared_.value { try await LocalCluster.start(ready: ready) }
    }

    /// The package's `.build/debug`, found from this file's path.
    public static var binaryDirectory: String {
        let file = URL(fileURLWithPath: #filePath)
        return file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug").path
    }

    private static func start(ready: @Sendable (LocalCluster) async throws -> String?) async throws -> LocalCluster {
        let binaries = binaryDirectory
        for name in ["joblet-dispatcher", "joblet-worker"]
        where !FileManager.default.isExecutableFile(atPath: "\(binaries)/\(name)") {
            throw ClusterError("\(binaries)/\(name) is missing: run swift build first")
        }
        let broker = try await TestBroker.startPrivate(name: "rnx-cluster")
        let root = NSTemporaryDirectory() + "rnx-cluster-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root + "/spare-runtimes", withIntermediateDirectories: true)
        try installTestRuntime(base: root + "/runtimes")
        // User names are broker-wide: unique to this process. One import makes them all.
        let pid = getpid()
        let roles: [(key: String, role: String, name: String)] = [
            ("dispatcher", "dispatcher", "joblet-dispatcher-rnx\(pid)"),
            ("worker", "worker", "joblet-worker-rnx\(pid)"),
            ("spare", "worker", "joblet-worker-rnx\(pid)-spare"),
            ("alice", "submitter", "alice-\(pid)"),
            ("bob", "submitter", "bob-\(pid)"),
            ("admin", "admin", "ops-\(pid)"),
            ("observer", "dispatcher", "observer-\(pid)"),
        ]
        let made = try BrokerRoles.provision(roles.map { ($0.role, $0.name) }, brokerURL: broker.url)
        let users = ProvisionedUsers(Dictionary(uniqueKeysWithValues: zip(roles.map(\.key), made)))
        let url = BrokerRoles.withoutCredentials(broker.url)
        let dispatcherUser = try users["dispatcher"], worker = try users["worker"], spare = try users["spare"]
        // Volumes in our temp root, shared by both workers, so a test can reach into a running job's /volumes/<name>.
        try "volumes_dir: \"\(root)/volumes\"\n".write(toFile: root + "/worker.yml", atomically: true, encoding: .utf8)
        let dispatcher = try Subprocess.spawn(
            "\(binaries)/joblet-dispatcher",
            [
                "--broker", url, "--credentials-file", dispatcherUser.credentialsFile,
                "--admin", try users["admin"].name, "--state-dir", root + "/dispatcher",
            ],
            log: root + "/dispatcher.log")
        func startWorker(_ user: BrokerRoles.User, slots: Int, runtimes: String, log: String) throws -> Process {
            try Subprocess.spawn(
                "\(binaries)/joblet-worker",
                [
                    "--config", root + "/worker.yml", "--broker", url, "--credentials-file", user.credentialsFile,
                    "--dispatcher-user", dispatcherUser.name, "--id", user.name, "--slots", "\(slots)",
                    "--runtimes", runtimes, "--state-dir", root + "/" + log,
                ],
                log: root + "/\(log).log")
        }
        let workerProcess = try startWorker(worker, slots: slots, runtimes: root + "/runtimes", log: "worker")
        let spareProcess = try startWorker(spare, slots: 1, runtimes: root + "/spare-runtimes", log: "spare-worker")
        let cluster = try LocalCluster(
            url: url, root: root, workerID: worker.name, spareWorkerID: spare.name, binaries: binaries,
            users: users, processes: [dispatcher, workerProcess, spareProcess], broker: broker)
        atexit { LocalCluster.stopAtExit() }
        LocalCluster.running.withLock { $0 = cluster }
        try await cluster.waitUntilReady(ready)
        return cluster
    }

    /// A submitter made now by `scripts/broker-roles`, as shipped: no other test's jobs are theirs.
    public func submitter(_ name: String) throws -> BrokerRoles.User {
        try BrokerRoles.provision(role: "submitter", name: name, brokerURL: broker.url)
    }

    /// A submitter made now by `scripts/broker-roles`, its read permission on `exchange` then set to `pattern`:
    /// a user made by an older version, before a permission existed.
    public func submitter(_ name: String, reading exchange: String, only pattern: String) async throws -> BrokerRoles.User {
        let user = try submitter(name)
        try await broker.ctl(["set_topic_permissions", "-p", BrokerRoles.vhostOf(broker.url), name, exchange, "^$", pattern])
        return user
    }

    private static let running = LockedValue<LocalCluster?>(nil)

    private static func stopAtExit() {
        guard let cluster = running.withLock({ $0 }) else { return }
        ProcessTermination.terminateAtExit(cluster.processes)
        // A worker that had to be SIGKILLed could not unmount its job disks.
        TestMounts.unmountAll(under: cluster.root)
        try? FileManager.default.removeItem(atPath: cluster.root)
    }

    /// Polls `ready` until it says a job runs end to end; fails with what it saw and the daemons' logs.
    private func waitUntilReady(_ ready: @Sendable (LocalCluster) async throws -> String?) async throws {
        var last = "nothing yet"
        for _ in 0..<120 {
            guard let missing = try await ready(self) else { return }
            last = missing
            try await Task.sleep(for: .milliseconds(500))
        }
        let logs = ["dispatcher.log", "worker.log", "spare-worker.log"].map {
            "--- \($0)\n" + ((try? String(contentsOfFile: "\(root)/\($0)", encoding: .utf8)) ?? "").suffix(3000)
        }.joined(separator: "\n")
        throw ClusterError("the cluster did not become ready; last \(last)\n\(logs)")
    }

    /// Where the workers keep volumes (both workers share it).
    public var volumesDirectory: String { root + "/volumes" }

    /// Where a volume's file system is mounted on the workers' host while jobs use it: this is a
    /// job's `/volumes/<name>`.
    public func volumePath(_ name: String, owner: BrokerRoles.User? = nil) -> String {
        "\(volumesDirectory)/\((owner ?? alice).name)/\(name)/mnt"
    }

    /// A runtime with one mount (bin -> /usr/local/bin) holding `rnxsh-hello`, and a smoke test.
    private static func installTestRuntime(base: String) throws {
        try RuntimeScratch.scriptRuntime(
            at: "\(base)/rnxsh/\(runtimeID)", name: runtimeID, language: "rnxsh", description: "rnx test runtime: a shell script",
            script: ("rnxsh-hello", "#!/bin/sh\necho \"rnxsh says hello $*\"\n"), extra: "test: \"rnxsh-hello smoke\"")
    }
}

/// The broker users made for the cluster, by role key; a missing one is an error, not a crash.
struct ProvisionedUsers {
    let byKey: [String: BrokerRoles.User]
    init(_ byKey: [String: BrokerRoles.User]) { self.byKey = byKey }

    subscript(key: String) -> BrokerRoles.User {
        get throws {
            guard let user = byKey[key] else { throw ClusterError("no broker user '\(key)' was provisioned") }
            return user
        }
    }
}

/// Why the test cluster could not be used.
public struct ClusterError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
