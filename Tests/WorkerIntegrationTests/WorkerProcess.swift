import Foundation
import JobletCore
import TestSupport

/// A real `joblet-worker` process with its own temp config and state dirs.
final class WorkerProcess: @unchecked Sendable {
    let id: String
    let directory: String
    let process = Process()
    let logPath: String

    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The broker user the worker logs in as (its id).
    let user: BrokerRoles.User

    /// Starts a worker logged in as a fresh worker user of this process (TestUsers), trusting the
    /// process's dispatcher user (what BrokerProbe plays). `url` is the broker's guest URL (used only
    /// to find the broker: the worker gets it without credentials, and its password in a
    /// --credentials-file). `extra` is appended to the YAML config, `arguments` to the command line.
    init(
        url: String, slots: Int = 2, runtimesPath: String? = nil, advertInterval: String = "1s", extra: String = "",
        dispatcherUsers: [String]? = nil, arguments: [String] = [], launcher: [String] = []
    ) async throws {
        user = try await TestUsers.shared.worker(url: url)
        var trusted = dispatcherUsers ?? []
        if dispatcherUsers == nil { trusted = [try await TestUsers.shared.fixed(url: url).dispatcher.name] }
        id = user.name
        // Removed by `stop()`, else at exit (a test that never stops its worker, or a failed start).
        directory = ScratchPath.make("worker-test-" + id)
        try FileManager.default.createDirectory(atPath: directory + "/runtimes", withIntermediateDirectories: true)
        let config = """
            broker:
              urls: ["\(BrokerRoles.withoutCredentials(url))"]
            slots: \(slots)
            state_dir: \(directory)/state
            volumes_dir: \(directory)/volumes
            runtimes:
              base_path: \(runtimesPath ?? directory + "/runtimes")
            rescan_interval: 500ms
            advert_interval: \(advertInterval)
            cgroup:
              allow_unenforced: true
            \(extra)
            """
        try config.write(toFile: directory + "/worker.yml", atomically: true, encoding: .utf8)
        logPath = directory + "/worker.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let worker = Self.repoRoot + "/.build/debug/joblet-worker"
        // `launcher`: e.g. nsenter into a test's network namespace, which then execs the worker.
        process.executableURL = URL(fileURLWithPath: launcher.first ?? worker)
        process.arguments =
            Array(launcher.dropFirst()) + (launcher.isEmpty ? [] : [worker])
            + ["--config", directory + "/worker.yml", "--log-level", "debug", "--credentials-file", user.credentialsFile]
            + trusted.flatMap { ["--dispatcher-user", $0] } + arguments
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The port of the metrics endpoint, from the worker's log line announcing it.
    var metricsPort: Int? { PrometheusText.announcedPort(inLog: log) }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit (polling, bounded) and returns the status.
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let end = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() async {
        if process.isRunning {
            signal(SIGTERM)
            if await waitForExit(timeout: .seconds(20)) == nil { signal(SIGKILL); _ = await waitForExit() }
        }
        TestMounts.unmountAll(under: directory)  // job disks of a worker that did not stop gracefully
        TestCgroups.removeWorker(id)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
