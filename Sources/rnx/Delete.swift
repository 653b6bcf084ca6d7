import ArgumentParser
import JobletCore

/// `rnx delete ID`: remove a finished job and its logs from the store.
struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a finished job and its logs.",
        discussion: """
            Only jobs in a terminal state can be deleted; cancel a running one first.

            Examples:
              rnx delete 3f2a
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The job id or a unique prefix of it.") var id: String

    func run() async throws {
        let response = try await global.query(.delete, job: id).response
        if output.json { try output.printJSON(response); return }
        Terminal.out("deleted \(response.deleted ?? 1) job\(response.deleted == 1 || response.deleted == nil ? "" : "s")")
    }
}
