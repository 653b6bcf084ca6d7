import Foundation
import JobletCore
import TestSupport

/// A real local Joblet cluster for CLI tests: its own RabbitMQ node (so no other test suite's
/// dispatcher answers our queries), one `joblet-dispatcher` and two `joblet-worker` processes
/// started from `.build/debug` with temp state dirs, and a tiny runtime `rnxsh-1.0` installed for
/// the main worker. Every process logs in as the broker user of its role (never guest): the
/// dispatcher and workers read theirs with `--credentials-file`, rnx gets its submitter through
/// JOBLET_BROKER_USER / JOBLET_BROKER_PASSWORD. Started once per test process and torn down at exit.
final class LocalCluster: Sendable {
    /// The broker URL without credentials.
    let url: String
    let root: String
    /// The main worker: its id is its broker user. It offers `rnxsh-1.0`.
    let workerID: String
    /// A second worker (no runtimes, one slot) that tests may drain and resume without taking the
    /// main worker out of scheduling while other tests run.
    let spareWorkerID: String
    let binaries: String
    /// The submitter every `rnx` call uses unless told otherwise.
    let alice: BrokerRoles.User
    /// A second submitter: must not see alice's jobs.
    let bob: BrokerRoles.User
    /// Listed in the dispatcher's `--admin`.
    let admin: BrokerRoles.User
    /// A user with the dispatcher's broker permissions but no part in the cluster (workers do not
    /// trust it): for tests that look at the queues themselves.
    let observer: BrokerRoles.User
    /// The runtime the worker offers: a shell script mounted at /usr/local/bin.
    static let runtimeID = "rnxsh-1.0"
    static let slots = 4

    private let processes: [Process]
    private let broker: PrivateBroker

    private init(url: String, root: String, workerID: String, spareWorkerID: String, binaries: String,
                 users: [String: BrokerRoles.User], processes: [Process], broker: PrivateBroker) {
        self.url = url
        self.root = root
        self.workerID = workerID
        self.spareWorkerID = spareWorkerID
        self.binaries = binaries
        self.alice = users["alice"]!
        self.bob = users["bob"]!
        self.admin = users["admin"]!
        self.observer = users["observer"]!
        self.processes = processes
        self.broker = broker
    }

    private static let shared_ = SharedOnce<LocalCluster>()

    /// The cluster shared by every RNX test in this process.
    static func shared() async throws -> LocalCluster { try await shared_.value { try await LocalCluster.start() } }

    /// The package's `.build/debug`, found from this file's path.
    static var binaryDirectory: String {
        let file = URL(fileURLWithPath: #filePath)
        return file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug").path
    }

    static var rnxPath: String { binaryDirectory + "/rnx" }

    private static func start() async throws -> LocalCluster {
        let binaries = binaryDirectory
        for name in ["rnx", "joblet-dispatcher", "joblet-worker"]
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
        let users = Dictionary(uniqueKeysWithValues: zip(roles.map(\.key), made))
        let url = BrokerRoles.withoutCredentials(broker.url)
        let dispatcherUser = users["dispatcher"]!, worker = users["worker"]!, spare = users["spare"]!
        // Volumes in our temp root, shared by both workers, so a test can reach into a running job's /volumes/<name>.
        try "volumes_dir: \"\(root)/volumes\"\n".write(toFile: root + "/worker.yml", atomically: true, encoding: .utf8)
        let dispatcher = try Subprocess.spawn("\(binaries)/joblet-dispatcher",
                                              ["--broker", url, "--credentials-file", dispatcherUser.credentialsFile,
                                               "--admin", users["admin"]!.name, "--state-dir", root + "/dispatcher"],
                                              log: root + "/dispatcher.log")
        func startWorker(_ user: BrokerRoles.User, slots: Int, runtimes: String, log: String) throws -> Process {
            try Subprocess.spawn("\(binaries)/joblet-worker",
                                 ["--config", root + "/worker.yml", "--broker", url, "--credentials-file", user.credentialsFile,
                                  "--dispatcher-user", dispatcherUser.name, "--id", user.name, "--slots", "\(slots)",
                                  "--runtimes", runtimes, "--state-dir", root + "/" + log],
                                 log: root + "/\(log).log")
        }
        let workerProcess = try startWorker(worker, slots: slots, runtimes: root + "/runtimes", log: "worker")
        let spareProcess = try startWorker(spare, slots: 1, runtimes: root + "/spare-runtimes", log: "spare-worker")
        let cluster = LocalCluster(url: url, root: root, workerID: worker.name, spareWorkerID: spare.name, binaries: binaries,
                                   users: users, processes: [dispatcher, workerProcess, spareProcess], broker: broker)
        atexit { LocalCluster.stopAtExit() }
        LocalCluster.running.withLock { $0 = cluster }
        try await cluster.waitUntilReady()
        return cluster
    }

    private static let running = LockedValue<LocalCluster?>(nil)

    private static func stopAtExit() {
        guard let cluster = running.withLock({ $0 }) else { return }
        // Plain syscalls: Foundation's waitUntilExit hangs inside an atexit handler.
        let pids = cluster.processes.map(\.processIdentifier)
        for pid in pids { kill(pid, SIGTERM) }
        for pid in pids {
            var gone = false
            for _ in 0..<150 {
                let reaped = waitpid(pid, nil, WNOHANG)
                if reaped == pid || reaped == -1 { gone = true; break }
                usleep(100_000)
            }
            if !gone {
                kill(pid, SIGKILL)
                _ = waitpid(pid, nil, 0)
            }
        }
        // A worker that had to be SIGKILLed could not unmount its job disks.
        TestMounts.unmountAll(under: cluster.root)
        try? FileManager.default.removeItem(atPath: cluster.root)
    }

    /// Waits until the dispatcher answers, knows our worker with its runtime, and a job runs end to end.
    private func waitUntilReady() async throws {
        var last = CommandResult(status: -1, stdout: "", stderr: "")
        for _ in 0..<120 {
            last = try await rnx(["workers", "--json"])
            if last.status == 0, let workers = try? JSONCodec.decode([WorkerAdvert].self, from: Array(last.stdout.utf8),
                                                                       rejectUnknownKeys: false),
               workers.contains(where: { $0.workerID == workerID && $0.runtimes.contains { $0.id == LocalCluster.runtimeID } }),
               workers.contains(where: { $0.workerID == spareWorkerID }) {
                // The dispatcher may answer queries a moment before it consumes submissions: probe with a job.
                last = try await rnx(["run", "--", "true"])
                if last.status == 0 { return }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let logs = ["dispatcher.log", "worker.log", "spare-worker.log"].map {
            "--- \($0)\n" + ((try? String(contentsOfFile: "\(root)/\($0)", encoding: .utf8)) ?? "").suffix(3000)
        }.joined(separator: "\n")
        throw ClusterError("the cluster did not become ready; last rnx workers: \(last)\n\(logs)")
    }

    /// The environment of an rnx run as `user` (default alice): the URL without credentials, the
    /// user and password in JOBLET_BROKER_USER / JOBLET_BROKER_PASSWORD, no rnx.yml.
    func environment(as user: BrokerRoles.User? = nil) -> [String: String] {
        let user = user ?? alice
        return ["JOBLET_BROKER": url, "JOBLET_BROKER_USER": user.name, "JOBLET_BROKER_PASSWORD": user.password,
                "JOBLET_RNX_CONFIG": root + "/no-such-rnx.yml"]
    }

    /// Runs the CLI against this cluster, as a user would (alice unless `user` says otherwise).
    func rnx(_ arguments: [String], as user: BrokerRoles.User? = nil, environment: [String: String] = [:],
             stdin: String? = nil) async throws -> CommandResult {
        let env = self.environment(as: user).merging(environment) { _, given in given }
        return try await Subprocess.run(LocalCluster.rnxPath, arguments, environment: env, stdin: stdin)
    }

    /// Where the workers keep volumes (both workers share it).
    var volumesDirectory: String { root + "/volumes" }

    /// Where a volume's file system is mounted on the workers' host while jobs use it: this is a
    /// job's `/volumes/<name>`.
    func volumePath(_ name: String, owner: BrokerRoles.User? = nil) -> String {
        "\(volumesDirectory)/\((owner ?? alice).name)/\(name)/mnt"
    }

    /// Runs the CLI (as alice) through a pseudo-terminal (`tty`) or pipes, performing `steps` on the way.
    func interactive(_ arguments: [String], tty: Bool, steps: [InteractiveSession.Step]) async throws -> InteractiveSession.Result {
        try await InteractiveSession.run([LocalCluster.rnxPath] + arguments, tty: tty, steps: steps, environment: environment())
    }

    /// A runtime with one mount (bin -> /usr/local/bin) holding `rnxsh-hello`, and a smoke test.
    private static func installTestRuntime(base: String) throws {
        let directory = "\(base)/rnxsh/\(runtimeID)"
        try FileManager.default.createDirectory(atPath: directory + "/bin", withIntermediateDirectories: true)
        let script = "#!/bin/sh\necho \"rnxsh says hello $*\"\n"
        _ = FileManager.default.createFile(atPath: directory + "/bin/rnxsh-hello", contents: Data(script.utf8),
                                       attributes: [.posixPermissions: 0o755])
        let yaml = """
        name: "\(runtimeID)"
        language: "rnxsh"
        type: "static"
        version: "1.0"
        description: "rnx test runtime: a shell script"
        mounts:
          - source: "bin"
            target: "/usr/local/bin"
            readonly: true
        environment:
          PATH_PREPEND: "/usr/local/bin"
        test: "rnxsh-hello smoke"

        """
        _ = FileManager.default.createFile(atPath: directory + "/runtime.yml", contents: Data(yaml.utf8))
    }
}

/// Why the test cluster could not be used.
struct ClusterError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
