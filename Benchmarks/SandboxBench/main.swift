// sandbox-bench: per-job latency and CPU cost of a sandboxed /bin/true, printed beside plain
// posix_spawn of /bin/true and `unshare --pid --fork --mount --uts --ipc --net --mount-proc true`
// measured in the same run. Trustworthy under noise: the cases are interleaved one job each per
// round (rotating which goes first), the run is repeated, and each figure is the median over the
// repetitions with its spread (min..max).
// Usage: sandbox-bench [jobs per repetition (100)] [repetitions (5)]
import Isolation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100 : 100
let repetitions = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5 : 5

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU seconds (user + system) of this process and of its reaped children.
func cpuTimes() -> (own: Double, children: Double) {
    func seconds(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(who, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
    return (seconds(RUSAGE_SELF.rawValue), seconds(RUSAGE_CHILDREN.rawValue))
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

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
}

/// One case in one repetition.
struct Sample {
    var latencies: [Double] = []
    var ownCPU = 0.0
    var childCPU = 0.0
    var p50: Double { median(latencies) }
    var p99: Double { percentile(latencies, 0.99) }
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

/// "median (min..max)" of a per-repetition figure, in milliseconds.
func spread(_ values: [Double], scale: Double = 1e3, digits: Int = 2) -> String {
    guard let low = values.min(), let high = values.max() else { return "-" }
    return "\(format(median(values) * scale, digits)) (\(format(low * scale, digits))..\(format(high * scale, digits)))"
}

/// Runs every case once per round, rotating the order, so all see the same machine load.
func repetition(_ cases: [(String, () async throws -> Void)], round: Int) async throws -> [Sample] {
    var samples = [Sample](repeating: Sample(), count: cases.count)
    for i in 0..<iterations {
        for k in 0..<cases.count {
            let index = (i + round + k) % cases.count
            let cpu0 = cpuTimes()
            let t0 = now()
            try await cases[index].1()
            let elapsed = now() - t0
            let cpu1 = cpuTimes()
            samples[index].latencies.append(elapsed)
            samples[index].ownCPU += cpu1.own - cpu0.own
            samples[index].childCPU += cpu1.children - cpu0.children
        }
    }
    return samples
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

/// How long `Sandbox.spawn` itself takes (until the command has exec'ed), per repetition.
final class SpawnTimes: @unchecked Sendable { var current: [Double] = []; var runs: [[Double]] = [] }
let spawnTimes = SpawnTimes()
/// The same for the case whose job enters a spare network namespace.
let spareSpawnTimes = SpawnTimes()

/// `/bin/true` in a sandbox without a cgroup, run to its end; how long the spawn took goes to `spawnTimes`.
func sandboxedTrue(in workDirectory: String, spawnTimes: SpawnTimes) async throws {
    let plan = SandboxPlan(
        jobID: "bench", argv: ["/bin/true"], environment: [:], hostname: "job-bench", workDirectory: workDirectory)
    let t0 = now()
    let process = try Sandbox.spawn(plan)
    spawnTimes.current.append(now() - t0)
    for try await _ in process.output {}
    let status = await process.wait()
    precondition(status == .exited(0))
}

/// Job cgroups as the worker makes them (v1 hierarchies here, v2 where the host has it), for the last case.
let cgroups = try CgroupManager(
    configuration: CgroupConfiguration(v2Root: "/sys/fs/cgroup/joblet-sandbox-bench.slice", v1Name: "joblet-sandbox-bench"))
defer { _ = cgroups.removeEmptyParents() }
final class JobCounter: @unchecked Sendable { var next = 0 }
let jobCounter = JobCounter()

let cases: [(String, () async throws -> Void)] = [
    (
        "posix_spawn /bin/true",
        {
            precondition(spawnAndWait(["/bin/true"]) == 0)
        }
    ),
    (
        "unshare --pid --fork --mount ... true",
        {
            precondition(
                spawnAndWait([
                    "/usr/bin/unshare", "--pid", "--fork", "--mount", "--uts", "--ipc", "--net",
                    "--mount-proc", "/bin/true",
                ]) == 0)
        }
    ),
    ("Sandbox.spawn /bin/true", { try await sandboxedTrue(in: workDirectory, spawnTimes: spawnTimes) }),
    (
        // As the worker runs a job without a network: in a network namespace made ahead of time. It is
        // made here, just before the spawn: counted in this case's time and CPU, not in its spawn time.
        "Sandbox.spawn /bin/true, spare netns",
        {
            try SpareNetworkNamespaces.refill(upTo: 1)
            try await sandboxedTrue(in: workDirectory, spawnTimes: spareSpawnTimes)
        }
    ),
    (
        // What a worker adds per job: its cgroup made, the job put in it (cloned into it on v2,
        // attached after clone on v1), the cgroup removed.
        "Sandbox.spawn /bin/true + job cgroup",
        {
            jobCounter.next += 1
            let jobID = "bench\(jobCounter.next)"
            let cgroup = try cgroups.createJobCgroup(
                jobID: jobID, limits: ResourceLimits(memoryBytes: 256 << 20, pids: 64), ioPath: workDirectory)
            var plan = SandboxPlan(
                jobID: jobID, argv: ["/bin/true"], environment: [:], hostname: "job-bench",
                workDirectory: workDirectory)
            plan.cgroup = cgroup
            let process = try Sandbox.spawn(plan)
            for try await _ in process.output {}
            let status = await process.wait()
            precondition(status == .exited(0))
            try cgroup.remove()
        }
    ),
]

print("sandbox-bench: \(repetitions) repetitions x \(iterations) jobs per case, interleaved round-robin;")
print("figures are median (min..max) over repetitions; CPU = worker's own + reaped children's, per job")
for _ in 0..<3 { for (_, body) in cases { try await body() } }  // warm-up
var runs: [[Sample]] = []
for round in 0..<repetitions {
    spawnTimes.current = []
    spareSpawnTimes.current = []
    runs.append(try await repetition(cases, round: round))
    spawnTimes.runs.append(spawnTimes.current)
    spareSpawnTimes.runs.append(spareSpawnTimes.current)
}

for (index, (name, _)) in cases.enumerated() {
    let samples = runs.map { $0[index] }
    let jobs = Double(iterations)
    print(
        name.padding(38)
            + " p50 \(spread(samples.map(\.p50))) ms"
            + "  p99 \(spread(samples.map(\.p99))) ms"
            + "  cpu own \(spread(samples.map { $0.ownCPU / jobs })) ms"
            + "  children \(spread(samples.map { $0.childCPU / jobs })) ms")
}
print("  of which Sandbox.spawn (until exec)".padding(38) + " p50 \(spread(spawnTimes.runs.map { median($0) })) ms")
print("  the same with a spare netns".padding(38) + " p50 \(spread(spareSpawnTimes.runs.map { median($0) })) ms")
let ratios = runs.map { $0[2].p50 / $0[1].p50 }
let ratio = median(ratios)
print(
    "sandbox / unshare p50 = \(format(ratio, 2))x (per repetition \(ratios.map { format($0, 2) }.joined(separator: " ")))"
        + " (target <= 1.5x): \(ratio <= 1.5 ? "OK" : "OVER")")

/// OS threads of this process (/proc/self/task).
func threadCount() -> Int {
    guard let directory = opendir("/proc/self/task") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
    }
    return count
}

// Threads per running job: the worker's threads while `running` jobs run (each blocked in a
// sleep), beyond those of the idle process.
let running = 20
let idleThreads = threadCount()
var sleepers: [SandboxProcess] = []
for _ in 0..<running {
    let plan = SandboxPlan(
        jobID: "bench-threads", argv: ["/bin/sleep", "2"], environment: [:], hostname: "job-bench",
        workDirectory: workDirectory)
    sleepers.append(try Sandbox.spawn(plan))
}
let busyThreads = threadCount()
for process in sleepers {
    for try await _ in process.output {}
    _ = await process.wait()
}
print(
    "threads: \(idleThreads) idle, \(busyThreads) with \(running) jobs running = "
        + "\(format(Double(busyThreads - idleThreads) / Double(running), 2)) per running job")
