import ArgumentParser
import JobletCore

/// `rnx runtime list`: every runtime some live worker offers.
struct RuntimeList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the runtimes the fleet offers.",
        discussion: """
            Examples:
              rnx runtime list
              rnx runtime list --json | jq -r '.[].runtime.id'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let runtimes = try await global.query(RPCRequest(method: .runtimes)).runtimes ?? []
        try output.printTable(
            runtimes, columns: ["ID", "LANGUAGE", "VERSION", "TAGS", "TYPE", "ARCHES", "WORKERS"],
            empty: "no runtimes: no live worker offers one (install one with rnx runtime install on a worker host)",
            order: { $0.runtime.id < $1.runtime.id }
        ) { entry in
            [
                entry.runtime.id, entry.runtime.language, entry.runtime.version,
                entry.runtime.tags.isEmpty ? "-" : entry.runtime.tags.joined(separator: ","),
                entry.runtime.type, entry.arches.sorted().joined(separator: ","), "\(entry.workers.count)",
            ]
        }
    }
}

/// Resolves a spec against what the fleet offers; the error lists what exists.
func resolveFleetRuntime(_ spec: String, in runtimes: [FleetRuntime]) throws -> FleetRuntime {
    let descriptors = runtimes.map(\.runtime)
    do {
        let chosen = try RuntimeResolver.resolve(spec, in: descriptors)
        guard let entry = runtimes.first(where: { $0.runtime.id == chosen.id }) else {
            throw RNXError(.remote, "runtime \(chosen.id) disappeared from the fleet; try again")
        }
        return entry
    } catch let error as JobletError {
        if descriptors.isEmpty {
            throw RNXError(.remote, "\(error.message) (no live worker offers any runtime)", cause: error.cause)
        }
        throw RNXError(.remote, error.message, cause: error.cause)
    }
}
