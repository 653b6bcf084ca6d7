import Foundation

/// Runs `scripts/broker` (found from this file's path) off the Swift cooperative pool.
enum BrokerScript {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var path: String { repoRoot.appendingPathComponent("scripts/broker").path }

    struct Failure: Error, CustomStringConvertible {
        var description: String
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
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [path] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "scripts/broker \(arguments.joined(separator: " ")) failed: "
                + String(decoding: stderr, as: UTF8.self))
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// The value of `KEY=value` in the script's output.
    static func value(_ key: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(key + "=") {
            return String(line.dropFirst(key.count + 1))
        }
        return nil
    }
}
