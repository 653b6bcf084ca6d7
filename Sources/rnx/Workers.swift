import ArgumentParser
import JobletCore
import JobletMessaging

/// `rnx workers [list|drain|resume]`: the live fleet, and taking workers out of scheduling.
struct Workers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "List the workers; drain or resume one (admins).",
        discussion: """
            Examples:
              rnx workers
              rnx workers --json | jq '.[].slots_free'
              rnx workers drain joblet-worker-host1    # admins only: no new jobs there
              rnx workers resume joblet-worker-host1
            """,
        subcommands: [WorkersList.self, WorkerModeCommand.Drain.self, WorkerModeCommand.Resume.self],
        defaultSubcommand: WorkersList.self)
}

/// `rnx workers` / `rnx workers list`: the live fleet.
struct WorkersList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the workers: arch, runtimes, slots, load, last advert.",
        discussion: """
            Examples:
              rnx workers
              rnx workers --json | jq '.[].slots_free'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let workers = try await global.query(RPCRequest(method: .workers)).workers ?? []
        let style = Style.stdout
        try output.printTable(
            workers, columns: ["ID", "ARCH", "STATUS", "RUNTIMES", "NETWORKS", "SLOTS", "LOAD", "LAST SEEN"],
            empty: "no workers: start joblet-worker on a host (it advertises itself within seconds)",
            order: { $0.workerID < $1.workerID }
        ) { worker in
            let status = worker.status == .online ? style.green(worker.status.rawValue) : style.yellow(worker.status.rawValue)
            let runtimes = worker.runtimes.map(\.id).sorted().joined(separator: ",")
            return [
                worker.workerID, worker.arch, status, runtimes.isEmpty ? "-" : runtimes,
                (worker.networks ?? [JobNetwork.noneMode]).joined(separator: ","),
                "\(worker.slotsTotal - worker.slotsFree)/\(worker.slotsTotal)",
                "\((worker.load1 * 100).rounded() / 100)", Format.ago(worker.time),
            ]
        }
    }
}
