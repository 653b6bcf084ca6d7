import Foundation
import Isolation

/// What a finished sandbox job produced.
struct SandboxRun {
    var status: ExitStatus
    var stdout: [UInt8]
    var stderr: [UInt8]
    var out: String { String(decoding: stdout, as: UTF8.self) }
    var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// A host work directory owned by the job user, removed on deinit.
final class WorkDirectory {
    let path: String

    init(uid: UInt32 = 65534, gid: UInt32 = 65534) throws {
        var template = Array("/tmp/joblet-sandbox-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
        chown(path, uid, gid)
        chmod(path, 0o755)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum SandboxHarness {
    static func plan(_ argv: [String], work: WorkDirectory, environment: [String: String] = [:]) -> SandboxPlan {
        SandboxPlan(
            jobID: "test-\(UInt32.random(in: 0...UInt32.max))", argv: argv, environment: environment,
            hostname: "job-1a2b3c4d", workDirectory: work.path)
    }

    /// Runs a plan to completion, collecting all output.
    static func run(_ plan: SandboxPlan) async throws -> SandboxRun {
        let process = try Sandbox.spawn(plan)
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        for try await chunk in process.output {
            if chunk.stream == .stdout { stdout += chunk.bytes } else { stderr += chunk.bytes }
        }
        return SandboxRun(status: await process.wait(), stdout: stdout, stderr: stderr)
    }

    /// Runs a shell script in a fresh sandbox with a fresh work directory.
    static func sh(_ script: String, configure: (inout SandboxPlan) -> Void = { _ in }) async throws -> SandboxRun {
        let work = try WorkDirectory()
        var plan = plan(["/bin/sh", "-c", script], work: work)
        configure(&plan)
        let result = try await run(plan)
        withExtendedLifetime(work) {}
        return result
    }

    static func count(_ directory: String) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
    }

    static func lineCount(_ file: String) -> Int {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").count
    }
}
