import AMQP
import ArgumentParser
import JobletClient
import JobletCore
import JobletMessaging

/// `rnx runtime deploy PACKAGE`: one upload into a broker stream, installed by every targeted worker.
struct RuntimeDeploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a runtime package to workers over the broker (admins); fails if any worker fails.",
        discussion: """
            The package travels once, in chunks, into a RabbitMQ stream queue that only admins may write; \
            the dispatcher tells each targeted worker to read it. Each worker checks the sha256, installs \
            atomically (jobs keep the old version until they end), advertises the runtime and reports. \
            Without --arch, workers of the architectures the package's runtime.yml names are targeted. \
            A worker that fails keeps the runtime it had.

            Examples:
              rnx runtime deploy python-3.11-ml.tar.gz
              rnx runtime deploy node-18.tar.gz --workers joblet-worker-a,joblet-worker-b
              rnx runtime deploy node-18.tar.gz --arch x86_64 --json
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "A .tar.gz or .zip runtime package (rnx runtime pack).") var package: String
    @Option(help: ArgumentHelp("Target workers: all, or ids separated by commas.", valueName: "all|id,…"))
    var workers: String = "all"
    @Option(help: ArgumentHelp("Only workers of this architecture (default: the package's).", valueName: "arch"))
    var arch: String?
    @Option(help: ArgumentHelp("Expected sha256 of the package (hex); checked before anything is sent.", valueName: "hex"))
    var sha256: String?
    @Option(name: .customLong("chunk-size"), help: ArgumentHelp("Chunk size (4K-16M).", valueName: "size"))
    var chunkSize: String = "1M"
    @Option(help: ArgumentHelp("Give up on workers silent for this long.", valueName: "duration"))
    var timeout: String = "5m"

    func validate() throws {
        do {
            _ = try JobDuration(parsing: timeout)
            let size = try ByteSize(parsing: chunkSize).bytes
            guard (Int64(RuntimeDeployOrder.minChunkBytes)...Int64(RuntimeDeployOrder.maxChunkBytes)).contains(size) else {
                throw ValidationError("--chunk-size: 4K to 16M")
            }
        } catch let error as JobletError {
            throw ValidationError(error.description)
        }
        if let arch, Architecture.normalize(arch) == nil { throw ValidationError("--arch: use x86_64 or aarch64") }
    }

    /// The package is complete in its stream: the dispatcher keeps it as the desired runtime of the
    /// targeted workers (those offline now get it when they come back) and owns the stream from now on.
    /// Nil, or why it failed (then rnx deletes the stream once its workers are done).
    static func commit(_ request: RPCRequest, client: ClusterClient) async -> String? {
        var commit = request
        commit.method = .runtimeCommit
        do {
            _ = try await client.query(commit)
            return nil
        } catch {
            return "the dispatcher did not record the deploy, so workers that come online later will not get it: \(error)"
        }
    }

    func run() async throws {
        let (config, digest, size) = try await RuntimePackageFacts.read(package, expectedSHA256: sha256)
        let targetArch = try RuntimePackageFacts.arch(requested: arch, package: config)
        let limit = try JobDuration(parsing: timeout)
        let idle = Duration.milliseconds(Int64(limit.seconds * 1000))
        let chunk = Int(try ByteSize(parsing: chunkSize).bytes)
        let display = DeployDisplay(runtime: config.name, size: size, json: output.json)

        let (expected, finals, uncommitted) = try await global.withClient { client in
            let order = RuntimeDeployOrder(
                deployID: JobID.generate(), runtime: config.name, version: config.version,
                sha256: digest, size: size, chunkSize: chunk, deployer: client.settings.user)
            let channel = try await client.connection.openChannel()
            do {
                try await PackageUpload.declareStream(order, on: channel)
            } catch let error as AMQPError where error.replyCode == 403 {
                await channel.close()
                throw RNXError(
                    .remote,
                    "the broker refused the deploy stream \(order.queue): only admins may deploy runtimes (scripts/broker-roles apply admin:\(client.settings.user)); \(error.message)"
                )
            }
            let call = try await RuntimeFleetCall.open(client)
            do {
                var request = RPCRequest(method: .runtimeDeploy)
                request.deploy = order
                request.workers = workers.split(separator: ",").map(String.init)
                request.arch = targetArch
                let addressed = try await call.ask(request, user: client.settings.user) { display.report($0) }
                let expected = Set(addressed.map(\.workerID))
                display.start(workers: expected.sorted())
                async let finals = call.collect(expected: expected, idle: idle) { display.report($0) }
                do {
                    try await PackageUpload(path: package, order: order, channel: channel, user: client.settings.user)
                        .run { display.uploaded($0) }
                } catch {
                    display.finish()
                    throw error
                }
                // Committed as soon as the package is complete, before waiting for the workers.
                let uncommitted = await Self.commit(request, client: client)
                let result = await finals
                display.finish()
                if uncommitted != nil { try? await channel.deleteQueue(order.queue) }
                await channel.close()
                await call.close()
                return (expected, result, uncommitted)
            } catch {
                try? await channel.deleteQueue(order.queue)
                await channel.close()
                await call.close()
                throw error
            }
        }
        if let uncommitted { Terminal.err("rnx: \(uncommitted)") }
        try RuntimeDeployResults.show(
            expected: expected, finals: finals, runtime: config.name, timeout: timeout,
            output: output, verb: "deploy")
        if let uncommitted { throw RNXError(.remote, uncommitted) }
    }
}
