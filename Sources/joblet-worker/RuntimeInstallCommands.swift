import ArgumentParser
#if canImport(Glibc)
    import Glibc
#endif
import JobletCore
import JobletPackages
import SystemCalls

/// `joblet-worker runtime install FILE` / `remove NAME`: a direct local install on this host, the
/// same atomic install and swap that `rnx runtime deploy` ends with on each worker. A running worker
/// on the same runtimes directory picks the change up at its next rescan.
struct RuntimeInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install", abstract: "Install a runtime package (.tar.gz or .zip) on this host.")
    @Argument(help: "The package.") var package: String
    @Option(help: "Base path of installed runtimes.") var runtimes: String = "/opt/joblet/runtimes"
    @Option(help: "Expected sha256 of the package (hex).") var sha256: String?
    @Flag(help: "Replace an installed runtime of the same name and version.") var force = false

    func run() throws {
        do {
            let installed = try RuntimePackage.install(
                package: package, basePath: runtimes, expectedSHA256: sha256,
                force: force)
            for warning in installed.warnings { print("warning: \(warning)") }
            print("\(installed.replaced ? "replaced" : "installed") \(installed.config.name) \(installed.config.version) in \(installed.directory)")
        } catch let error as JobletError {
            try? FileDescriptorIO.writeAll(STDERR_FILENO, Array("joblet-worker: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct RuntimeRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove an installed runtime from this host (running jobs keep it until they end).")
    @Argument(help: "The runtime name, e.g. node-18.") var name: String
    @Option(help: "Base path of installed runtimes.") var runtimes: String = "/opt/joblet/runtimes"

    func run() throws {
        do {
            print("removed \(name) from \(try RuntimePackage.remove(name: name, basePath: runtimes))")
        } catch let error as JobletError {
            try? FileDescriptorIO.writeAll(STDERR_FILENO, Array("joblet-worker: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
