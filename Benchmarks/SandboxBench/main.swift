// sandbox-bench: sandboxed /bin/true jobs per second and per-job latency, printed beside
// plain posix_spawn of /bin/true and `unshare --pid --fork --mount --uts --ipc --net --mount-proc true`
// measured in the same run. Usage: sandbox-bench [iterations]
import Isolation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 300 : 300

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// posix_spawn + waitpid of argv; returns the exit status.
func spawnAndWait(_ argv: [String]) -> Int32 {
    var cArgs = argv.map { strdup($0) }
    cArgs.append(nil)
    defer { for arg in cArgs { free(arg) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], nil, nil, cArgs, environ)
    guard rc == 0 else { return -rc }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return status
}

struct Figures {
    var name: String
    var latencies: [Double]
    var total: Double

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
    }

    func line(relativeTo base: Figures?) -> String {
        let perSecond = Double(latencies.count) / total
        var text = name.padding(46) + " \(format(perSecond, 1).leftPadding(8)) jobs/s"
            + "  p50 \(format(percentile(0.5) * 1e3, 2).leftPadding(7)) ms"
            + "  p99 \(format(percentile(0.99) * 1e3, 2).leftPadding(7)) ms"
        if let base { text += "  (\(format(percentile(0.5) / base.percentile(0.5), 2))x p50)" }
        return text
    }
}

func format(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

/// Runs the cases round-robin, one job each per round, so all of them see the same machine load.
func measure(_ cases: [(String, () async throws -> Void)]) async throws -> [Figures] {
    for _ in 0..<5 { for (_, body) in cases { try await body() } }  // warm-up
    var latencies = [[Double]](repeating: [], count: cases.count)
    var totals = [Double](repeating: 0, count: cases.count)
    for _ in 0..<iterations {
        for (index, (_, body)) in cases.enumerated() {
            let t0 = now()
            try await body()
            let elapsed = now() - t0
            latencies[index].append(elapsed)
            totals[index] += elapsed
        }
    }
    return cases.indices.map { Figures(name: cases[$0].0, latencies: latencies[$0], total: totals[$0]) }
}

guard getuid() == 0 else {
    print("sandbox-bench must run as root")
    exit(1)
}
var template = Array("/tmp/sandbox-bench-XXXXXX".utf8CString)
guard let workPointer = mkdtemp(&template) else { fatalError("mkdtemp failed") }
let workDirectory = String(cString: workPointer)
chown(workDirectory, 65534, 65534)
defer { rmdir(workDirectory) }

print("sandbox-bench: \(iterations) sequential jobs each, cases interleaved round-robin")
let figures = try await measure([
    ("posix_spawn /bin/true", {
        precondition(spawnAndWait(["/bin/true"]) == 0)
    }),
    ("unshare --pid --fork --mount --uts --ipc --net", {
        precondition(spawnAndWait(["/usr/bin/unshare", "--pid", "--fork", "--mount", "--uts", "--ipc", "--net",
                                   "--mount-proc", "/bin/true"]) == 0)
    }),
    ("Sandbox.spawn /bin/true", {
        let plan = SandboxPlan(jobID: "bench", argv: ["/bin/true"], environment: [:], hostname: "job-bench",
                               workDirectory: workDirectory)
        let process = try Sandbox.spawn(plan)
        for try await _ in process.output {}
        let status = await process.wait()
        precondition(status == .exited(0))
    }),
])
let (plain, unshare, sandbox) = (figures[0], figures[1], figures[2])
print(plain.line(relativeTo: nil))
print(unshare.line(relativeTo: plain))
print(sandbox.line(relativeTo: unshare))
let ratio = sandbox.percentile(0.5) / unshare.percentile(0.5)
print("sandbox / unshare p50 = \(format(ratio, 2))x (target <= 1.5x): \(ratio <= 1.5 ? "OK" : "OVER")")
