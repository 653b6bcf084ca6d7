import Foundation

/// Runs `scripts/broker` (found from this file's path) off the Swift cooperative pool, with
/// `Subprocess` (output in files: the broker daemons it starts must not inherit pipes the test
/// process waits on).
public enum BrokerScript {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the script and returns its stdout; throws with its stderr on a non-zero exit.
    static func run(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { c in
            DispatchQueue.global().async {
                c.resume(with: Result { try runBlocking(arguments) })
            }
        }
    }

    static func runBlocking(_ arguments: [String]) throws -> String {
        try runBlocking(script: "broker", arguments)
    }

    /// Runs `scripts/<script> ARGS` and returns its stdout; throws with its stderr on a non-zero exit.
    static func runBlocking(script: String, _ arguments: [String]) throws -> String {
        let path = repoRoot.appendingPathComponent("scripts/" + script).path
        let result: CommandResult
        do {
            result = try Subprocess.runBlocking(
                "/bin/bash", [path] + arguments,
                fullEnvironment: ProcessInfo.processInfo.environment, stdin: nil)
        } catch {
            throw Failure(description: "/bin/bash \(path) failed: \(error)")
        }
        guard result.status == 0 else {
            throw Failure(description: "scripts/\(script) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }

    /// `scripts/broker certs DIR --client NAME`: a client certificate with CN=NAME from DIR's CA.
    public static func certs(_ directory: String, client name: String) async throws -> String {
        try await run(["certs", directory, "--client", name])
    }

    /// The value of `KEY=value` in the script's output.
    static func value(_ key: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(key + "=") {
            return String(line.dropFirst(key.count + 1))
        }
        return nil
    }
}
