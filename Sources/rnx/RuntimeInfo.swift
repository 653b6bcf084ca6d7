import ArgumentParser
import JobletCore

/// `rnx runtime info SPEC`: what a spec resolves to and where it runs.
struct RuntimeInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what a runtime spec resolves to and which workers offer it.",
        discussion: """
            Examples:
              rnx runtime info python:3.11
              rnx runtime info python-3.11-ml --json
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "A runtime spec (python:3.11, node:20) or id (python-3.11-ml).") var spec: String

    func run() async throws {
        let runtimes = try await global.query(RPCRequest(method: .runtimes)).runtimes ?? []
        let entry = try resolveFleetRuntime(spec, in: runtimes)
        if output.json { try output.printJSON(entry); return }
        let runtime = entry.runtime
        var lines: [(String, String)] = [
            ("Runtime", runtime.id), ("Language", runtime.language),
            ("Version", runtime.version),
        ]
        if !runtime.tags.isEmpty { lines.append(("Tags", runtime.tags.joined(separator: ", "))) }
        lines.append(("Type", runtime.type))
        if !runtime.description.isEmpty { lines.append(("Description", runtime.description)) }
        if let minimum = runtime.minMemory { lines.append(("Min memory", ByteSize(bytes: minimum).description)) }
        lines.append(("Arches", entry.arches.sorted().joined(separator: ", ")))
        lines.append(("Workers", entry.workers.sorted().joined(separator: ", ")))
        lines.append(("Use", "rnx run --runtime=\(runtime.id) …"))
        for line in Table.fields(lines) { Terminal.out(line) }
    }
}
