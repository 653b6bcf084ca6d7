import ArgumentParser
import JobletCore

/// `rnx cancel ID`: stop a queued or running job.
struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a queued or running job.",
        discussion: """
            A queued job is cancelled at once; a running one is killed by its worker (its result is \
            then `cancelled`).

            Examples:
              rnx cancel 3f2a
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The job id or a unique prefix of it.") var id: String

    func run() async throws {
        let (jobID, response) = try await global.query(.cancel, job: id)
        if output.json { try output.printJSON(response); return }
        if let job = response.job {
            Terminal.out("cancel requested for \(job.jobID) (\(job.state.rawValue))")
        } else {
            Terminal.out("cancel requested for \(jobID)")
        }
    }
}
