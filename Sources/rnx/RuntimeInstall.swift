import ArgumentParser
import JobletCore
import JobletPackages

/// Where runtimes live on a worker host (the worker's `runtimes` setting).
let defaultRuntimeBase = "/opt/joblet/runtimes"

/// `rnx runtime install PKG`: install a package on this (worker) host; workers rescan and pick it up.
struct RuntimeInstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install a runtime package on this worker host (workers start serving it without restart).",
        discussion: """
            The runtime name is read from the runtime.yml inside the package. Installation is atomic: \
            a half-installed runtime is never visible to workers.

            Examples:
              rnx runtime install python-3.11.tar.gz
              rnx runtime install node-20.zip --sha256=9f2c… --base-path=/srv/runtimes
              rnx runtime install python-3.11.tar.gz --force    # replace the same version
            """)

    @Argument(help: "A .tar.gz or .zip runtime package.") var package: String
    @Option(name: .customLong("base-path"), help: ArgumentHelp("Runtimes directory of the worker.", valueName: "dir"))
    var basePath: String = defaultRuntimeBase
    @Option(help: ArgumentHelp("Expected sha256 of the package (hex).", valueName: "hex")) var sha256: String?
    @Flag(help: "Replace an installed runtime of the same name and version.") var force = false

    func run() async throws {
        do {
            let installed = try RuntimePackage.install(
                package: package, basePath: basePath, expectedSHA256: sha256,
                force: force)
            for warning in installed.warnings { Terminal.err("rnx: warning: \(warning)") }
            Terminal.out("\(installed.replaced ? "replaced" : "installed") \(installed.config.name) \(installed.config.version) in \(installed.directory)")
            Terminal.out("workers using \(basePath) pick it up at their next rescan (a few seconds)")
        } catch let error as JobletError {
            throw RNXError(.io, error.message, cause: error.cause)
        }
    }
}
