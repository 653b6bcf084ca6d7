import Foundation
import JobletCore
import TestSupport
import Testing

/// A cluster that talks only amqps: a private TLS broker, a dispatcher and a worker configured with
/// `broker.tls` and `broker.credentials_file` in their YAML files (the worker with a client
/// certificate too), each logging in as its role's user. Started once per process.
private final class TLSCluster: Sendable {
    let broker: PrivateTLSBroker
    let root: String
    /// The amqps URL without credentials.
    let url: String
    /// The submitter rnx runs as.
    let submitter: BrokerRoles.User

    private init(broker: PrivateTLSBroker, root: String, submitter: BrokerRoles.User) {
        self.broker = broker
        self.root = root
        self.url = BrokerRoles.withoutCredentials(broker.url)
        self.submitter = submitter
    }

    private static let shared_ = SharedOnce<TLSCluster>()
    static func shared() async throws -> TLSCluster { try await shared_.value { try await TLSCluster.start() } }

    private static let running = LockedValue<(processes: [Process], root: String?)>(([], nil))

    private static func start() async throws -> TLSCluster {
        let binaries = LocalCluster.binaryDirectory
        let broker = try await TestBroker.startPrivateTLS(name: "rnx-tls")
        let root = NSTemporaryDirectory() + "rnx-tls-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root + "/runtimes", withIntermediateDirectories: true)
        let certs = broker.certificates
        let pid = getpid()
        let users = try BrokerRoles.provision(
            [
                ("dispatcher", "joblet-dispatcher-tls\(pid)"), ("worker", "joblet-worker-tls\(pid)"),
                ("submitter", "carol-\(pid)"),
            ], brokerURL: broker.url)
        let (dispatcherUser, workerUser, submitter) = (users[0], users[1], users[2])
        let url = BrokerRoles.withoutCredentials(broker.url)
        // Only the amqps URL: if either service ignored broker.tls it could not connect at all.
        try """
        broker:
          urls: ["\(url)"]
          credentials_file: \(dispatcherUser.credentialsFile)
          tls:
            ca: \(certs.caPath)
        state_dir: \(root)/dispatcher
        fleet_warmup: 1s

        """.write(toFile: root + "/dispatcher.yml", atomically: true, encoding: .utf8)
        try """
        broker:
          urls: ["\(url)"]
          credentials_file: \(workerUser.credentialsFile)
          tls:
            ca: \(certs.caPath)
            cert: \(certs.clientCertificatePath)
            key: \(certs.clientKeyPath)
            verify_hostname: true
        worker_id: \(workerUser.name)
        dispatcher_users: [\(dispatcherUser.name)]
        slots: 2
        runtimes:
          base_path: \(root)/runtimes
        state_dir: \(root)/worker
        volumes_dir: \(root)/volumes

        """.write(toFile: root + "/worker.yml", atomically: true, encoding: .utf8)
        let dispatcher = try Subprocess.spawn(
            "\(binaries)/joblet-dispatcher", ["--config", root + "/dispatcher.yml"],
            log: root + "/dispatcher.log")
        let worker = try Subprocess.spawn(
            "\(binaries)/joblet-worker", ["--config", root + "/worker.yml"],
            log: root + "/worker.log")
        running.withLock { $0 = ([dispatcher, worker], root) }
        atexit { TLSCluster.stopAtExit() }
        let cluster = TLSCluster(broker: broker, root: root, submitter: submitter)
        try await cluster.waitUntilReady()
        return cluster
    }

    private static func stopAtExit() {
        let (processes, root) = running.withLock { $0 }
        ProcessTermination.terminateAtExit(processes)
        if let root { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Until a job runs end to end over amqps (the worker's advert reached the dispatcher).
    private func waitUntilReady() async throws {
        var last = CommandResult(status: -1, stdout: "", stderr: "")
        for _ in 0..<120 {
            last = try await rnx(["run", "--tls-ca", broker.certificates.caPath, "--broker", url, "--", "true"])
            if last.status == 0 { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        let logs = ["dispatcher.log", "worker.log"].map {
            "--- \($0)\n" + ((try? String(contentsOfFile: "\(root)/\($0)", encoding: .utf8)) ?? "").suffix(3000)
        }.joined(separator: "\n")
        throw ClusterError("the TLS cluster did not become ready; last rnx run: \(last)\n\(logs)")
    }

    /// rnx as the submitter (JOBLET_BROKER_USER / JOBLET_BROKER_PASSWORD) with no rnx.yml and no
    /// JOBLET_BROKER, unless `environment` says otherwise.
    func rnx(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        let defaults = [
            "JOBLET_RNX_CONFIG": root + "/no-such-rnx.yml",
            "JOBLET_BROKER_USER": submitter.name, "JOBLET_BROKER_PASSWORD": submitter.password,
        ]
        return try await Subprocess.run(
            LocalCluster.rnxPath, arguments,
            environment: defaults.merging(environment) { _, given in given })
    }
}

@Suite(
    .serialized, .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXTLSTests {
    @Test func runOverAmqpsWithThePrivateCAPrintsTheOutput() async throws {
        let cluster = try await TLSCluster.shared()
        let result = try await cluster.rnx([
            "run", "--tls-ca", cluster.broker.certificates.caPath,
            "--broker", cluster.url, "--", "echo", "hi",
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "hi\n", "\(result)")
    }

    @Test func theTLSSectionOfRnxYmlWorksLikeTheFlags() async throws {
        let cluster = try await TLSCluster.shared()
        let certs = cluster.broker.certificates
        let config = cluster.root + "/rnx.yml"
        // The credentials from rnx.yml's credentials_file this time: it comes before the environment's.
        try """
        broker: \(cluster.url)
        credentials_file: \(cluster.submitter.credentialsFile)
        tls:
          ca: \(certs.caPath)
          cert: \(certs.clientCertificatePath)
          key: \(certs.clientKeyPath)

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await cluster.rnx(
            ["run", "--", "sh", "-c", "echo from-yml"],
            environment: ["JOBLET_RNX_CONFIG": config, "JOBLET_BROKER_USER": "nobody", "JOBLET_BROKER_PASSWORD": "wrong"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "from-yml\n", "\(result)")
    }

    @Test func withoutTheCATheBrokerCertificateCannotBeVerified() async throws {
        let cluster = try await TLSCluster.shared()
        let result = try await cluster.rnx(["run", "--broker", cluster.url, "--", "echo", "hi"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains("could not be verified"), "\(result)")
        #expect(result.stderr.contains("--tls-ca"), "the error says how to give the CA: \(result)")
    }

    @Test func aMissingCAFileNamesTheFlagBeforeConnecting() async throws {
        let cluster = try await TLSCluster.shared()
        let missing = cluster.root + "/no-such-ca.pem"
        let result = try await cluster.rnx(["run", "--tls-ca", missing, "--broker", cluster.url, "--", "echo", "hi"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("--tls-ca: cannot read \(missing)"), "\(result)")
        #expect(result.stderr.contains("No such file"), "\(result)")
    }

    @Test func tlsSettingsWithAPlainURLAreRefused() async throws {
        let cluster = try await TLSCluster.shared()
        let result = try await cluster.rnx([
            "run", "--tls-ca", cluster.broker.certificates.caPath,
            "--broker", BrokerRoles.withoutCredentials(cluster.broker.broker.url), "--", "echo", "hi",
        ])
        #expect(result.status != 0, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains("no broker URL is amqps://"), "\(result)")
    }

    @Test func servicesNameTheMissingCAFileKeyAndStop() async throws {
        let cluster = try await TLSCluster.shared()
        let missing = cluster.root + "/gone/ca.pem"
        let config = cluster.root + "/broken.yml"
        try """
        broker:
          urls: ["\(cluster.url)"]
          tls:
            ca: \(missing)
        state_dir: \(cluster.root)/broken-state

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let binaries = LocalCluster.binaryDirectory
        for service in ["joblet-dispatcher", "joblet-worker"] {
            let result = try await Subprocess.run("\(binaries)/\(service)", ["--config", config])
            #expect(result.status != 0, "\(service): \(result)")
            #expect(result.stderr.contains("broker.tls.ca: cannot read \(missing)"), "\(service): \(result)")
        }
    }
}
