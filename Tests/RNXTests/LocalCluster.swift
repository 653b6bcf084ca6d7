import Foundation
import JobletCore
import TestSupport

/// A real local Joblet cluster for CLI tests: its own RabbitMQ node (so no other test suite's
/// dispatcher answers our queries), one `joblet-dispatcher` and one `joblet-worker` process
/// started from `.build/debug` with temp state dirs, and a tiny runtime `rnxsh-1.0` installed for
/// the worker. Started once per test process and torn down at exit.
final class LocalCluster: Sendable {
    let url: String
    let root: String
    let workerID: String
    let binaries: String
    /// The runtime the worker offers: a shell script mounted at /usr/local/bin.
    static let runtimeID = "rnxsh-1.0"
    static let slots = 4

    private let processes: [Process]
    private let broker: PrivateBroker

    private init(url: String, root: String, workerID: String, binaries: String, processes: [Process], broker: PrivateBroker) {
        self.url = url
        self.root = root
        self.workerID = workerID
        self.binaries = binaries
        self.processes = processes
        self.broker = broker
    }

    private actor Shared {
        var task: Task<LocalCluster, any Error>?
        func cluster() async throws -> LocalCluster {
            if let task { return try await task.value }
            let started = Task { try await LocalCluster.start() }
            task = started
            return try await started.value
        }
    }

    private static let shared_ = Shared()

    /// The cluster shared by every RNX test in this process.
    static func shared() async throws -> LocalCluster { try await shared_.cluster() }

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
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try installTestRuntime(base: root + "/runtimes")
        let workerID = "rnx-test-\(getpid())"
        // Volumes in our temp root, so a test can reach into a running job's /volumes/<name>.
        try "volumes_dir: \"\(root)/volumes\"\n".write(toFile: root + "/worker.yml", atomically: true, encoding: .utf8)
        let dispatcher = try Subprocess.spawn("\(binaries)/joblet-dispatcher",
                                              ["--broker", broker.url, "--state-dir", root + "/dispatcher"],
                                              log: root + "/dispatcher.log")
        let worker = try Subprocess.spawn("\(binaries)/joblet-worker",
                                          ["--config", root + "/worker.yml", "--broker", broker.url, "--id", workerID, "--slots", "\(slots)",
                                           "--runtimes", root + "/runtimes", "--state-dir", root + "/worker"],
                                          log: root + "/worker.log")
        let cluster = LocalCluster(url: broker.url, root: root, workerID: workerID, binaries: binaries,
                                   processes: [dispatcher, worker], broker: broker)
        atexit { LocalCluster.stopAtExit() }
        LocalCluster.running.withLock { $0 = cluster }
        try await cluster.waitUntilReady()
        return cluster
    }

    private static let running = NSLockedValue<LocalCluster?>(nil)

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
        try? FileManager.default.removeItem(atPath: cluster.root)
    }

    /// Waits until the dispatcher answers, knows our worker with its runtime, and a job runs end to end.
    private func waitUntilReady() async throws {
        var last = CommandResult(status: -1, stdout: "", stderr: "")
        for _ in 0..<120 {
            last = try await rnx(["workers", "--json"])
            if last.status == 0, let workers = try? JSONCodec.decode([WorkerAdvert].self, from: Array(last.stdout.utf8),
                                                                       rejectUnknownKeys: false),
               workers.contains(where: { $0.workerID == workerID && $0.runtimes.contains { $0.id == LocalCluster.runtimeID } }) {
                // The dispatcher may answer queries a moment before it consumes submissions: probe with a job.
                last = try await rnx(["run", "--", "true"])
                if last.status == 0 { return }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let logs = ["dispatcher.log", "worker.log"].map {
            "--- \($0)\n" + ((try? String(contentsOfFile: "\(root)/\($0)", encoding: .utf8)) ?? "").suffix(3000)
        }.joined(separator: "\n")
        throw ClusterError("the cluster did not become ready; last rnx workers: \(last)\n\(logs)")
    }

    /// Runs the CLI against this cluster, as a user would.
    func rnx(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> CommandResult {
        var env = environment
        env["JOBLET_BROKER"] = env["JOBLET_BROKER"] ?? url
        env["JOBLET_RNX_CONFIG"] = root + "/no-such-rnx.yml"
        return try await Subprocess.run(LocalCluster.rnxPath, arguments, environment: env, stdin: stdin)
    }

    /// Where the worker keeps named volumes: `<volumesDirectory>/<name>` is a job's `/volumes/<name>`.
    var volumesDirectory: String { root + "/volumes" }

    /// Runs the CLI through a pseudo-terminal (`tty`) or pipes, performing `steps` on the way.
    func interactive(_ arguments: [String], tty: Bool, steps: [InteractiveSession.Step]) async throws -> InteractiveSession.Result {
        try await InteractiveSession.run([LocalCluster.rnxPath] + arguments, tty: tty, steps: steps,
                                         environment: ["JOBLET_BROKER": url, "JOBLET_RNX_CONFIG": root + "/no-such-rnx.yml"])
    }

    /// A runtime with one mount (bin -> /usr/local/bin) holding `rnxsh-hello`, and a smoke test.
    private static func installTestRuntime(base: String) throws {
        let directory = "\(base)/rnxsh/\(runtimeID)"
        try FileManager.default.createDirectory(atPath: directory + "/bin", withIntermediateDirectories: true)
        let script = "#!/bin/sh\necho \"rnxsh says hello $*\"\n"
        FileManager.default.createFile(atPath: directory + "/bin/rnxsh-hello", contents: Data(script.utf8),
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
        FileManager.default.createFile(atPath: directory + "/runtime.yml", contents: Data(yaml.utf8))
    }
}

/// Why the test cluster could not be used.
struct ClusterError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A value behind a lock, for the at-exit hook.
final class NSLockedValue<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func withLock<R>(_ body: (inout T) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
