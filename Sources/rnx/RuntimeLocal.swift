import ArgumentParser
import JobletCore

/// Where runtimes live on a worker host (the worker's `runtimes` setting).
let defaultRuntimeBase = "/opt/joblet/runtimes"

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
            throw RNXError(.io, error.message)
        }
        Terminal.out(target)
    }
}

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
            let installed = try RuntimePackage.install(package: package, basePath: basePath, expectedSHA256: sha256,
                                                       force: force)
            for warning in installed.warnings { Terminal.err("rnx: warning: \(warning)") }
            Terminal.out("\(installed.replaced ? "replaced" : "installed") \(installed.config.name) \(installed.config.version) in \(installed.directory)")
            Terminal.out("workers using \(basePath) pick it up at their next rescan (a few seconds)")
        } catch let error as JobletError {
            throw RNXError(.io, error.message)
        }
    }
}

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
