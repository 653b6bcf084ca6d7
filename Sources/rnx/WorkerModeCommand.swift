import ArgumentParser
import JobletCore

/// `rnx workers drain|resume ID`: admins take a worker (or `all`) out of scheduling and back. The
/// dispatcher checks the caller against its `admins` and sends the command: workers obey no one else.
enum WorkerModeCommand {
    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drain",
            abstract: "Stop giving a worker new jobs (its running jobs finish). Admins only.",
            discussion: """
                Examples:
                  rnx workers drain joblet-worker-host1
                  rnx workers drain all
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A worker id (see `rnx workers`), or all.") var worker: String

        func run() async throws { try await WorkerModeCommand.send(.drain, worker: worker, global: global) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Give a drained worker jobs again. Admins only.",
            discussion: """
                Examples:
                  rnx workers resume joblet-worker-host1
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A worker id (see `rnx workers`), or all.") var worker: String

        func run() async throws { try await WorkerModeCommand.send(.resume, worker: worker, global: global) }
    }

    static func send(_ method: RPCRequest.Method, worker: String, global: GlobalOptions) async throws {
        let affected = try await global.query(RPCRequest(method: method, worker: worker)).workers ?? []
        let names = affected.map(\.workerID).sorted().joined(separator: ", ")
        Terminal.out("\(method == .drain ? "draining" : "resuming") \(names.isEmpty ? worker : names)")
    }
}
