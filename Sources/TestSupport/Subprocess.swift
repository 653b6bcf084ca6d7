import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Runs programs the way a user would: posix_spawn + waitpid off the cooperative pool, output in files.
///
/// Files, not pipes: a daemon the program (or a parallel suite) starts can inherit a pipe's write
/// end, and reading to EOF then never ends. Not Foundation's Process for `run` either: it notices an
/// exit only when every holder of an inherited socket has closed it.
public enum Subprocess {
    /// Variables removed from the child's environment: only what the test gives, no broker or
    /// credentials from the caller's shell.
    static let callerVariables = ["JOBLET_BROKER", "JOBLET_BROKER_USER", "JOBLET_BROKER_PASSWORD"]

    /// Runs `executable` (a path) to completion with `environment` added and NO_COLOR=1.
    /// Cancelling the task (a test's time limit) SIGKILLs the program, so the call returns.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        stdin: String? = nil
    ) async throws -> CommandResult {
        let child = Child()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(
                        with: Result {
                            try runBlocking(
                                executable, arguments, fullEnvironment: childEnvironment(adding: environment),
                                stdin: stdin, child: child)
                        })
                }
            }
        } onCancel: {
            child.cancel()
        }
    }

    /// `run` on the calling thread (for at-exit hooks).
    public static func runBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        stdin: String? = nil
    ) throws -> CommandResult {
        try runBlocking(executable, arguments, fullEnvironment: childEnvironment(adding: environment), stdin: stdin)
    }

    /// This process's environment with NO_COLOR=1, without `callerVariables`, and with `extra`.
    private static func childEnvironment(adding extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for key in callerVariables { env.removeValue(forKey: key) }
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// The running program of a `run`, killed when its task is cancelled.
    final class Child: Sendable {
        private let state = LockedValue<(pid: pid_t?, cancelled: Bool)>((nil, false))

        /// Records the started program; kills it at once if the task was cancelled before.
        func started(_ pid: pid_t) {
            state.withLock { state in
                state.pid = pid
                if state.cancelled { kill(pid, SIGKILL) }
            }
        }

        /// Forgets the program before it is reaped (its pid may be reused after).
        func exited() { state.withLock { $0.pid = nil } }

        func cancel() {
            state.withLock { state in
                state.cancelled = true
                if let pid = state.pid { kill(pid, SIGKILL) }
            }
        }
    }

    /// Runs `executable` with exactly `fullEnvironment`; the child inherits no descriptor but 0-2.
    static func runBlocking(
        _ executable: String, _ arguments: [String], fullEnvironment: [String: String],
        stdin: String?, child: Child? = nil
    ) throws -> CommandResult {
        let tag = NSTemporaryDirectory() + "joblet-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let inPath = tag + ".in", outPath = tag + ".out", errPath = tag + ".err"
        defer {
            unlink(inPath)
            unlink(outPath)
            unlink(errPath)
        }
        if let stdin {
            guard FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8)) else {
                throw SubprocessError("cannot write \(inPath)")
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Like Process: the child gets none of this process's other descriptors (a closed one is skipped).
        for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var cenv: [UnsafeMutablePointer<CChar>?] = fullEnvironment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var cargs: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in cargs + cenv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, &cargs, &cenv)
        guard rc == 0 else { throw SubprocessError("posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        if let child {
            child.started(pid)
            // Exited but not yet reaped: the pid is still ours while `child` forgets it.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 {
                guard errno == EINTR else { throw SubprocessError("waitid: \(String(cString: strerror(errno)))") }
            }
            child.exited()
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SubprocessError("waitpid: \(String(cString: strerror(errno)))") }
        }
        // The exit code, or minus the signal that ended it (never mistaken for an exit code).
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
        return CommandResult(
            status: code,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// The descriptors open in this process now.
    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// Starts a long-running program in the background, output appended to `log`.
    public static func spawn(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// Why a program could not be run.
public struct SubprocessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
