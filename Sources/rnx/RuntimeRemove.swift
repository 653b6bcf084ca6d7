import ArgumentParser
import JobletCore
import JobletPackages

/// `rnx runtime remove NAME`: remove an installed runtime from this host, or with `--workers` from
/// workers across the fleet (admins; through the dispatcher, like a deploy).
struct RuntimeRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a runtime from this worker host, or from workers (--workers).",
        discussion: """
            Jobs running with the runtime keep it until they end.

            Examples:
              rnx runtime remove python-3.11                       # on this host, as root
              rnx runtime remove node-18 --workers all             # every live worker (admins)
              rnx runtime remove node-18 --workers joblet-worker-a --json
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The runtime name, e.g. python-3.11.") var name: String
    @Option(name: .customLong("base-path"), help: ArgumentHelp("Runtimes directory of the worker.", valueName: "dir"))
    var basePath: String = defaultRuntimeBase
    @Option(
        help: ArgumentHelp(
            "Remove it from these workers (all, or ids separated by commas) instead of this host.",
            valueName: "all|id,…"))
    var workers: String?
    @Option(help: ArgumentHelp("With --workers: only workers of this architecture.", valueName: "arch"))
    var arch: String?
    @Option(help: ArgumentHelp("With --workers: give up on workers silent for this long.", valueName: "duration"))
    var timeout: String = "2m"

    func validate() throws {
        do { _ = try JobDuration(parsing: timeout) } catch let error as JobletError {
            throw ValidationError("--timeout: \(error.description)")
        }
        if let arch, Architecture.normalize(arch) == nil { throw ValidationError("--arch: use x86_64 or aarch64") }
        if workers == nil, arch != nil { throw ValidationError("--arch needs --workers") }
    }

    func run() async throws {
        if let workers {
            try await removeFromFleet(workers)
            return
        }
        do {
            let removed = try RuntimePackage.remove(name: name, basePath: basePath)
            Terminal.out("removed \(name) from \(removed)")
        } catch let error as JobletError {
            throw RNXError(.io, error.message, cause: error.cause)
        }
    }

    private func removeFromFleet(_ workers: String) async throws {
        let limit = try JobDuration(parsing: timeout)
        let (expected, finals) = try await global.withClient { client in
            let call = try await RuntimeFleetCall.open(client)
            do {
                var request = RPCRequest(method: .runtimeRemove, runtime: name)
                request.workers = workers.split(separator: ",").map(String.init)
                request.arch = arch.flatMap(Architecture.normalize)
                let book = ReportBook()
                let addressed = try await call.ask(request, user: client.settings.user) { _ = book.add($0) }
                let expected = Set(addressed.map(\.workerID))
                var finals = book.finals
                if !expected.isSubset(of: Set(finals.keys)) {
                    finals.merge(
                        await call.collect(expected: expected, idle: .milliseconds(Int64(limit.seconds * 1000))) { _ in },
                        uniquingKeysWith: { $1 })
                }
                await call.close()
                return (expected, finals)
            } catch {
                await call.close()
                throw error
            }
        }
        try RuntimeDeployResults.show(
            expected: expected, finals: finals, runtime: name, timeout: timeout,
            output: output, verb: "removal")
    }
}
