import ArgumentParser
import JobletCore

/// `rnx runtime remove NAME`: remove an installed runtime from this host.
struct RuntimeRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an installed runtime from this worker host.",
        discussion: """
        Examples:
          rnx runtime remove python-3.11
        """)

    @Argument(help: "The runtime name, e.g. python-3.11.") var name: String
    @Option(name: .customLong("base-path"), help: ArgumentHelp("Runtimes directory of the worker.", valueName: "dir"))
    var basePath: String = defaultRuntimeBase

    func run() async throws {
        do {
            let removed = try RuntimePackage.remove(name: name, basePath: basePath)
            Terminal.out("removed \(name) from \(removed)")
        } catch let error as JobletError {
            throw RNXError(.io, error.message)
        }
    }
}
