import ArgumentParser
import JobletCore
import JobletPackages

/// `rnx runtime pack DIR`: a deterministic package of a built runtime directory.
struct RuntimePack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Pack a runtime directory (with its runtime.yml) into a deterministic .tar.gz.",
        discussion: """
            The same tree always gives byte-identical packages, so a sha256 identifies a runtime build.

            Examples:
              rnx runtime pack runtimes/out/python-3.11 -o python-3.11.tar.gz
            """)

    @Argument(help: "The runtime directory (contains runtime.yml).") var directory: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (default: <name>.tar.gz here).", valueName: "file"))
    var output: String?

    func run() async throws {
        let name = directory.split(separator: "/").last.map(String.init) ?? "runtime"
        let target = output ?? "\(name).tar.gz"
        do {
            try RuntimePackage.pack(runtimeDirectory: directory, to: target)
        } catch let error as JobletError {
            throw RNXError(.io, error.message, cause: error.cause)
        }
        Terminal.out(target)
    }
}
