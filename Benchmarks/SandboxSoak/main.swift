// sandbox-soak: runs N sandboxed /bin/true jobs (4 at a time) in this process and checks that
// nothing is left behind: open fds, mounts, child processes (zombies) and sandbox root dirs are
// counted before and after. Then, given a flood size, one job writes that many MiB to stdout, read
// to the end, and the heap in use (glibc's mallinfo2) must not have grown by more than 512 KiB: the
// output path holds nothing once a job is done, however much it printed. Prints the figures; exits 1
// on a leak, 2 on a failed job. It runs as its own process so the counts are not disturbed by anything
// else; built -O too (scripts/test), since an optimizer-only leak in the output path once cost
// workers about 8 MB per GB of job output.
// Usage: sandbox-soak [jobs (1000)] [flood MiB (0)]   (as root)
import Foundation
import Isolation
import JobletMetrics

let jobs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1000 : 1000
let floodMiB = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 0 : 0
let concurrency = 4

func entries(_ directory: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
}

/// Open fds and what each points to, so a leak report names the file, pipe or socket.
func openFDs() -> [String: String] {
    var table: [String: String] = [:]
    for fd in entries("/proc/self/fd") {
        table[fd] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) ?? "?"
    }
    return table
}

/// Mounts this soak's jobs could leave on the host: under its work directory or a soak sandbox root.
/// Only those: the suites running beside it mount and unmount their own (once read as 22 -> 23).
func soakMounts(work: String) -> [String] {
    let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    return table.split(separator: "\n").compactMap { line -> String? in
        let fields = line.split(separator: " ")
        guard fields.count > 4 else { return nil }
        let point = String(fields[4])
        let ours = point.hasPrefix(work) || point.hasPrefix("/run/joblet/sandboxes/soak")
        return ours ? point : nil
    }
}

/// Processes whose parent is this one (a leaked zombie or a stray init would show here).
func childCount() -> Int {
    let me = "\(getpid())"
    return entries("/proc").filter { $0.allSatisfy(\.isNumber) }.filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && fields[1] == me
    }.count
}

let work = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-soak-\(getpid())").path
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
chown(work, 65534, 65534)

/// Runs one job to its end, its output read and dropped; returns how many bytes it printed.
@discardableResult
func runOne(_ index: Int, argv: [String] = ["/bin/true"]) async throws -> Int {
    let process = try Sandbox.spawn(
        SandboxPlan(
            jobID: "soak\(index)", argv: argv, environment: [:],
            hostname: "job-soak", workDirectory: work))
    var bytes = 0
    for try await chunk in process.output { bytes += chunk.bytes.count }
    let status = await process.wait()
    if status != .exited(0) {
        print("job \(index) ended \(status)")
        exit(2)
    }
    return bytes
}

/// libdispatch opens a timerfd for each clock it is first asked to time on (wall, uptime, monotonic) and
/// keeps it for the life of the process: not a leak, but never more than three. Counted apart, since
/// which clocks a run happens to use first varies (CI saw one appear after 1,000 jobs despite a warm-up).
let dispatchTimerLimit = 3
func isDispatchTimer(_ target: String) -> Bool { target == "anon_inode:[timerfd]" }
func counts(_ fds: [String: String]) -> (others: Int, timers: Int) {
    let timers = fds.values.filter(isDispatchTimer).count
    return (fds.count - timers, timers)
}

// One warm-up job so lazily created, long-lived state (caches, the Swift runtime's own fds) is counted in the baseline.
try await runOne(-1)
let fdsBefore = openFDs()
let before = (fds: counts(fdsBefore).others, mounts: soakMounts(work: work).count, children: childCount())
let started = Date()
try await withThrowingTaskGroup(of: Void.self) { group in
    for lane in 0..<concurrency {
        group.addTask {
            for index in stride(from: lane, to: jobs, by: concurrency) { try await runOne(index) }
        }
    }
    try await group.waitForAll()
}
let seconds = Date().timeIntervalSince(started)
// The supervisor has a job's mount-namespace fd closed on the blocking executor just after it publishes the
// exit status (so the namespace teardown stays off the wait path): right after the last job that fd may still be open
// (seen on loaded CI machines as fds 9 -> 10). A leak is what is still open once it settles.
var fdsAfter = openFDs()
var settleWaits = 0
while counts(fdsAfter).others > before.fds, settleWaits < 60 {
    try await Task.sleep(for: .milliseconds(50))
    fdsAfter = openFDs()
    settleWaits += 1
}
let (othersAfter, timersAfter) = counts(fdsAfter)
let after = (fds: othersAfter, mounts: soakMounts(work: work).count, children: childCount())
let leftoverRoots = entries("/run/joblet/sandboxes").filter { $0.hasPrefix("soak") }.count

// The output path: one job prints `floodMiB` MiB; a short flood first, so buffers made once count as before.
var heapGrowth = 0
if floodMiB > 0 {
    let flood = { (mib: Int) in ["/bin/sh", "-c", "head -c \(mib)M /dev/zero"] }
    try await runOne(-2, argv: flood(16))
    try await Task.sleep(for: .milliseconds(200))
    let heapBefore = ProcessHeap.bytesInUse
    let floodStarted = Date()
    let printed = try await runOne(-3, argv: flood(floodMiB))
    let floodSeconds = Date().timeIntervalSince(floodStarted)
    try await Task.sleep(for: .milliseconds(200))
    let heapAfter = ProcessHeap.bytesInUse
    heapGrowth = heapAfter - heapBefore
    guard printed == floodMiB << 20 else {
        print("flood printed \(printed) bytes, not \(floodMiB << 20)")
        exit(2)
    }
    print(
        "flood \(floodMiB) MiB in \(String(format: "%.1f", floodSeconds)) s: heap in use \(heapBefore >> 10) -> \(heapAfter >> 10) KiB (at most +512)")
}

print("jobs \(jobs) in \(String(format: "%.1f", seconds)) s")
print("fds \(before.fds) -> \(after.fds), and \(timersAfter) dispatch timer fds (at most \(dispatchTimerLimit))")
for (fd, target) in fdsAfter.sorted(by: { $0.key < $1.key }) where fdsBefore[fd] != target {
    print("  new fd \(fd) -> \(target)")
}
print("mounts \(before.mounts) -> \(after.mounts) (under \(work) and /run/joblet/sandboxes/soak*)")
for point in soakMounts(work: work) { print("  mount left \(point)") }
print("children \(before.children) -> \(after.children)")
print("sandbox roots left \(leftoverRoots)")
let leaked =
    after.fds > before.fds || timersAfter > dispatchTimerLimit || after.mounts != before.mounts || after.children > before.children || leftoverRoots > 0
    || heapGrowth > 512 << 10
print(leaked ? "LEAK" : "no leak")
// exit() runs no top-level defer: the (empty) work directory is removed here or stays in /tmp.
rmdir(work)
exit(leaked ? 1 : 0)
