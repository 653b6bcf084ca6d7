import ArgumentParser
import FoundationEssentials
import JobletCore

/// `rnx runtime status`: per worker, whether each runtime the dispatcher wants there (deployed or
/// removed by admins) is installed, pending or failed.
struct RuntimeStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show per worker whether each deployed runtime is installed, pending or failed.",
        discussion: """
            The dispatcher keeps what admins deployed (rnx runtime deploy) and removed (rnx runtime remove \
            --workers) per worker group, and sends a worker that comes online what it lacks. A failed \
            install is retried later (RETRY); DETAIL says why it failed.

            Examples:
              rnx runtime status
              rnx runtime status --json | jq '.[] | select(.state == "failed")'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rows = try await global.query(RPCRequest(method: .runtimeStatus)).rollout ?? []
        try output.printTable(
            rows, columns: ["WORKER", "RUNTIME", "VERSION", "STATE", "TRIES", "RETRY", "DETAIL"],
            empty: "no deployed runtimes: nothing was deployed with rnx runtime deploy (or no worker is live)"
        ) { row in
            let retry = row.retryAt.map { "in \(max(0, Int($0 - Date().timeIntervalSince1970))) s" } ?? "-"
            return [
                row.workerID, row.runtime, row.version ?? "(removed)", row.state.rawValue.uppercased(),
                "\(row.attempts)", retry, row.message ?? "-",
            ]
        }
    }
}
