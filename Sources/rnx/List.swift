import ArgumentParser
import JobletCore

/// `rnx list`: jobs, newest first.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs, newest first.",
        discussion: """
            Examples:
              rnx list
              rnx list --state=running --limit=10
              rnx list --runtime=python-3.11 --json
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Only jobs in this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "state"))
    var state: String?

    @Option(help: ArgumentHelp("Only jobs of this runtime (id or spec as submitted).", valueName: "runtime"))
    var runtime: String?

    @Option(help: ArgumentHelp("Only jobs run by this worker.", valueName: "id"))
    var worker: String?

    @Option(help: "At most this many jobs.") var limit: Int = 50

    func validate() throws {
        if let state, JobState(rawValue: state) == nil {
            throw ValidationError("--state \"\(state)\" is not a job state; use one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let request = RPCRequest(
            method: .list, state: state.flatMap(JobState.init(rawValue:)), runtime: runtime,
            worker: worker, limit: limit)
        let jobs = try await global.query(request).jobs ?? []
        let style = Style.stdout
        try output.printTable(
            jobs, columns: ["ID", "NAME", "STATE", "RUNTIME", "WORKER", "SUBMITTED", "EXIT", "COMMAND"],
            empty: "no jobs"
        ) { job in
            [
                String(job.jobID.prefix(12)), job.name ?? "-", style.state(job.state),
                job.runtimeID ?? job.runtime ?? "host", job.workerID ?? "-", Format.ago(job.submittedAt),
                (job.exitCode ?? job.result?.exitCode).map { "\($0)" } ?? "-",
                String(Format.command(job.command).prefix(40)),
            ]
        }
    }
}
