import Foundation
import TestSupport

/// Real runtimes built by the recipes under `runtimes/`, cached across test runs in the directory
/// the JobletCore runtime tests use, and exposed to a worker through a base dir of symlinks.
enum RuntimeFixture {
    static let cacheDirectory = "/var/cache/joblet/test-runtimes"

    enum Outcome { case built(String), missingHostInput(String) }

    /// Builds (or reuses: the recipes skip work when their stamp matches) runtime `id`.
    static func build(_ id: String) throws -> Outcome {
        let (status, output) = try CombinedOutput.run(["/bin/bash", WorkerProcess.repoRoot + "/runtimes/\(id)/build.sh", cacheDirectory])
        // Exit 3: a host input (apt package) is missing; the message names it.
        if status == 3 { return .missingHostInput(output) }
        guard status == 0 else {
            throw FixtureError(description: "runtimes/\(id)/build.sh failed (\(status)): \(output)")
        }
        return .built(cacheDirectory + "/" + id)
    }

    /// A fresh runtimes base dir holding exactly `ids` (hard-linked copies of the cached builds: the
    /// catalog does not follow symlinks); nil when one cannot be built here.
    static func base(with ids: [String]) throws -> String? {
        let base = "/var/cache/joblet/worker-test-bases/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        for id in ids {
            switch try build(id) {
            case .built(let directory):
                try run(["/bin/cp", "-al", directory, base + "/" + id])
            case .missingHostInput(let message):
                print("skipping: runtime \(id) cannot be built on this host: \(message)")
                return nil
            }
        }
        return base
    }

    private static func run(_ argv: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(description: "\(argv.joined(separator: " ")) failed (\(process.terminationStatus))")
        }
    }

    struct FixtureError: Error, CustomStringConvertible { let description: String }
}
