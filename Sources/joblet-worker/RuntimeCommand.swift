import ArgumentParser
import JobletCore

/// `joblet-worker runtime list|install|remove`: local runtime management.
struct RuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime", abstract: "Manage the runtimes installed on this host.",
        subcommands: [List.self, RuntimeInstall.self, RuntimeRemove.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List installed runtimes and problems.")
        @Option(help: "Base path of installed runtimes.")
        var runtimes: String = "/opt/joblet/runtimes"

        func run() throws {
            let catalog = try RuntimeCatalog.scan(basePath: runtimes)
            for entry in catalog.entries {
                let note = entry.incompatibility.map { "  (unusable: \($0))" } ?? ""
                print("\(entry.descriptor.id)\t\(entry.descriptor.version)\t\(entry.directory)\(note)")
            }
            for problem in catalog.problems {
                print("broken: \(problem.path): \(problem.error)")
            }
        }
    }
}
