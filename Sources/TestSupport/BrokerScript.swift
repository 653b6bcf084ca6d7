import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `scripts/broker` (found from this file's path) off the Swift cooperative pool.
/// Uses posix_spawn + waitpid with the output in temporary files: the broker daemons it starts
/// must not inherit pipes the test process waits on.
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
        let tmp = FileManager.default.temporaryDirectory
        let tag = "joblet-broker-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let outPath = tmp.appendingPathComponent(tag + ".out").path
        let errPath = tmp.appendingPathComponent(tag + ".err").path
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ["/bin/bash", path] + arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/bash", &actions, nil, &cargs, environ)
        guard rc == 0 else {
            throw Failure(description: "posix_spawn /bin/bash \(path) failed: \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid failed: \(String(cString: strerror(errno)))") }
        }
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(description: "scripts/\(script) \(arguments.joined(separator: " ")) failed: \(stderr)")
        }
        return stdout
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
