import Foundation
import TestSupport

/// Drives a CLI the way a person at a terminal does: through a real pseudo-terminal (python3's
/// `pty`, so ^C goes through the line discipline and becomes SIGINT), or through plain pipes with
/// stdin not a terminal. A script of steps waits for text, types, signals or creates a file.
enum InteractiveSession {
    enum Step {
        /// Wait until the output so far contains this text.
        case expect(String)
        /// Type this on the terminal (tty sessions only); "\u{3}" is Ctrl-C.
        case write(String)
        /// Send this signal to the process.
        case signal(Int32)
        /// Create this (empty) file, e.g. to let a job go on.
        case touch(String)

        var json: [String: Any] {
            switch self {
            case .expect(let text): return ["expect": text]
            case .write(let text): return ["write": text]
            case .signal(let number): return ["signal": Int(number)]
            case .touch(let path): return ["touch": path]
            }
        }
    }

    /// What the session saw. `output` is everything in order (terminal line endings made `\n`);
    /// with pipes `stdout` and `stderr` are kept apart too.
    struct Result: Decodable, CustomStringConvertible {
        var status: Int32
        var output: String
        var stdout: String
        var stderr: String
        /// Set when a step could not be completed (text never appeared, the safety limit ran out).
        var error: String?

        var description: String { "exit \(status)\(error.map { " (\($0))" } ?? "")\n--- output\n\(output)" }
    }

    /// Runs `argv` to its end, performing `steps` on the way. `limit` only stops a hung session.
    static func run(
        _ argv: [String], tty: Bool, steps: [Step], environment: [String: String],
        limit: Int = 180
    ) async throws -> Result {
        var env = environment
        env["NO_COLOR"] = "1"
        env["TERM"] = "xterm"
        let spec: [String: Any] = ["argv": argv, "tty": tty, "steps": steps.map(\.json), "env": env, "limit": limit]
        let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let finished = try await Subprocess.run("/usr/bin/python3", ["-c", driver, specText])
        guard finished.status == 0, let result = try? JSONDecoder().decode(Result.self, from: Data(finished.stdout.utf8)) else {
            throw ClusterError("the terminal driver failed: \(finished)")
        }
        return result
    }

    private static let driver = #"""
        import json, os, pty, select, signal, subprocess, sys, time
        spec = json.loads(sys.argv[1])
        argv = spec["argv"]
        env = dict(os.environ)
        env.update(spec["env"])
        deadline = time.monotonic() + spec["limit"]
        buffers = {"out": b"", "err": b"", "all": b""}
        error = None

        if spec["tty"]:
            pid, master = pty.fork()
            if pid == 0:
                try:
                    os.execve(argv[0], argv, env)
                finally:
                    os._exit(127)
            streams = {master: "out"}
        else:
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            pid = proc.pid
            streams = {proc.stdout.fileno(): "out", proc.stderr.fileno(): "err"}

        def text(name):
            return buffers[name].replace(b"\r\n", b"\n").decode("utf-8", "replace")

        def pump(wait):
            if not streams:
                return False
            ready, _, _ = select.select(list(streams), [], [], wait)
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    del streams[fd]
                    continue
                buffers[streams[fd]] += data
                buffers["all"] += data
            return True

        for step in spec["steps"]:
            if error:
                break
            if "expect" in step:
                while step["expect"] not in text("all"):
                    if time.monotonic() > deadline:
                        error = "never saw %r" % step["expect"]
                        break
                    if not pump(0.2):
                        error = "the program ended before printing %r" % step["expect"]
                        break
            elif "write" in step:
                os.write(master, step["write"].encode())
            elif "signal" in step:
                os.kill(pid, step["signal"])
            elif "touch" in step:
                open(step["touch"], "w").close()

        while streams and time.monotonic() < deadline:
            pump(0.2)

        def stacks():
            # Where a hung program waits, for the failure report (gdb is optional).
            try:
                return subprocess.run(["gdb", "-batch", "-p", str(pid), "-ex", "thread apply all bt 25"],
                                      capture_output=True, text=True, timeout=60).stdout[-12000:]
            except Exception as failure:
                return "no stacks: %s" % failure

        if streams:
            error = error or "still running at the safety limit"
            error += "\n--- stacks of the hung process\n" + stacks()
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"status": code if code >= 0 else 128 - code, "output": text("all"),
                          "stdout": text("out"), "stderr": text("err"), "error": error}))
        """#
}
