import Glibc
import TestSupport
import Testing
@testable import Isolation

@Suite("Cgroup limits and accounting", .integration(needs: [.root]))
struct CgroupLimitTests {
    /// Runs `command` inside a fresh job cgroup and returns the job (still present) with the result.
    private func run(
        _ manager: CgroupManager, _ jobID: String, _ limits: ResourceLimits, ioPath: String = "/",
        _ command: String
    ) throws -> (job: JobCgroup, status: Int32, output: String) {
        let job = try manager.createJobCgroup(jobID: jobID, limits: limits, ioPath: ioPath)
        let process = try GatedProcess.spawn(command)
        try job.attach(pid: process.pid)
        process.release()
        let result = process.finish()
        return (job, result.status, result.output)
    }

    @Test("a process allocating 3x its memory limit is OOM killed and reported as such")
    func oomKill() throws {
        let manager = try CgroupTestHost.manager("oom")
        defer { CgroupTestHost.dropParents(manager) }
        let limit: Int64 = 64 << 20
        let result = try run(
            manager, "oom", ResourceLimits(memoryBytes: limit),
            "/usr/bin/python3 -c 'b = b\"x\" * \(3 * limit); print(\"survived\")'")
        defer { try? result.job.remove() }
        #expect(terminatingSignal(result.status) == SIGKILL)
        #expect(!result.output.contains("survived"))
        let usage = try result.job.usage()
        #expect(usage.oomKilled)
        #expect(usage.memoryPeakBytes <= UInt64(limit) + (1 << 20))
    }

    @Test("a 200 MB allocation shows a memory peak of at least 200 MB, without OOM")
    func memoryPeak() throws {
        let manager = try CgroupTestHost.manager("peak")
        defer { CgroupTestHost.dropParents(manager) }
        let size = 200 << 20
        let result = try run(
            manager, "peak", ResourceLimits(memoryBytes: 1 << 30),
            "/usr/bin/python3 -c 'b = b\"x\" * \(size); print(len(b))'")
        defer { try? result.job.remove() }
        #expect(exitedNormally(result.status))
        #expect(result.output.contains("\(size)"))
        let usage = try result.job.usage()
        #expect(usage.memoryPeakBytes >= UInt64(size))
        #expect(!usage.oomKilled)
        #expect(usage.cpuUsageUsec > 0)
        #expect(usage.userUsec + usage.systemUsec > 0)
    }

    @Test("a fork bomb stops at pids.max, is killed, and its cgroup is removed")
    func forkBomb() throws {
        let manager = try CgroupTestHost.manager("forkbomb")
        defer { CgroupTestHost.dropParents(manager) }
        let limit = 32
        let job = try manager.createJobCgroup(jobID: "bomb", limits: ResourceLimits(pids: limit), ioPath: "/")
        // Bounded (2^12 processes at most) so even an unlimited run could not take the host.
        let process = try GatedProcess.spawn(
            "/bin/sh -c 'b() { if [ $1 -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & fi; sleep 60; }; b 11'")
        try job.attach(pid: process.pid)
        process.release()

        let events = try #require(CgroupTestHost.file(job, v1Controller: "pids", "pids.events"))
        let refused = CgroupTestHost.eventually(seconds: 30) {
            ((try? CgroupFS.read(events)).map { CgroupFS.keyedValues($0)["max"] ?? 0 } ?? 0) > 0
        }
        #expect(refused, "the kernel refused forks at pids.max")
        // Counted in the pids controller's own cgroup, in one read: `processes()` is a union over every v1
        // hierarchy, each read at another moment, while refused shells exit and others fork in their place.
        let procs = try #require(CgroupTestHost.file(job, v1Controller: "pids", "cgroup.procs"))
        #expect(CgroupFS.pids(in: procs).count <= limit)
        if let peak = try job.usage().pidsPeak { #expect(peak <= UInt64(limit)) }

        try job.kill()
        #expect(job.processes().isEmpty)
        _ = process.finish()
        try job.remove()
        for dir in job.directories { #expect(!CgroupFS.exists(dir)) }
        // The host still forks.
        let after = try GatedProcess.spawn("echo alive")
        after.release()
        #expect(after.finish().output == "alive\n")
    }

    /// A shell busy loop run for 2 s in a job cgroup limited to `cpuPercent` of a core: the CPU
    /// time it used, the share of a core that is, and the cgroup's cpu.stat read before the kill
    /// (nil where the host has no such file).
    private func busyLoop(_ label: String, cpuPercent: Int) throws -> (used: UInt64, share: Double, stat: String?) {
        let manager = try CgroupTestHost.manager(label)
        defer { CgroupTestHost.dropParents(manager) }
        let job = try manager.createJobCgroup(jobID: "busy", limits: ResourceLimits(cpuPercent: cpuPercent), ioPath: "/")
        let process = try GatedProcess.spawn("/bin/sh -c 'while :; do :; done'")
        try job.attach(pid: process.pid)
        let start = CgroupTestHost.monotonicMicroseconds()
        process.release()
        CgroupFS.pause(milliseconds: 2000)
        let used = try job.usage().cpuUsageUsec
        let elapsed = CgroupTestHost.monotonicMicroseconds() - start
        let stat = try CgroupTestHost.file(job, v1Controller: "cpu", "cpu.stat").map { try CgroupFS.read($0) }
        try job.kill()
        _ = process.finish()
        try job.remove()
        return (used, Double(used) / Double(elapsed), stat)
    }

    @Test("a busy loop limited to 50% of a core uses at most 55% of one")
    func cpuQuota() throws {
        let loop = try busyLoop("cpu", cpuPercent: 50)
        #expect(loop.used > 0)
        #expect(loop.share <= 0.55, "busy loop used \(Int(loop.share * 100))% of a core under a 50% limit")
    }

    @Test("a busy loop limited to 10% is throttled by the kernel and stays near 10%")
    func cpuQuotaThrottles() throws {
        // 10% binds even on a loaded host (where the 50% test may not reach its limit at all).
        let loop = try busyLoop("cpu-low", cpuPercent: 10)
        let stat = try #require(loop.stat)
        #expect((CgroupFS.keyedValues(stat)["nr_throttled"] ?? 0) > 0, "cpu.stat: \(stat)")
        #expect(loop.share <= 0.15, "busy loop used \(Int(loop.share * 100))% of a core under a 10% limit")
    }

    @Test("cpuCores pins the job to CPU 0")
    func cpuset() throws {
        let manager = try CgroupTestHost.manager("cpuset")
        defer { CgroupTestHost.dropParents(manager) }
        let result = try run(manager, "pinned", ResourceLimits(cpuCores: "0"), "grep Cpus_allowed_list /proc/self/status")
        defer { try? result.job.remove() }
        #expect(exitedNormally(result.status))
        #expect(result.output == "Cpus_allowed_list:\t0\n")
    }

    @Test(
        "io throttle at 10 MiB/s holds direct writes within 20%",
        .enabled(
            if: CgroupTestHost.ioDirectory != nil,
            "no directory on a block device (set JOBLET_TEST_IO_DIR to one)"))
    func ioThrottle() throws {
        let manager = try CgroupTestHost.manager("io")
        defer { CgroupTestHost.dropParents(manager) }
        let dir = try #require(CgroupTestHost.ioDirectory)
        let file = "\(dir)/joblet-io-test-\(getpid())"
        defer { unlink(file) }
        let rate: Int64 = 10 << 20
        let result = try run(
            manager, "io", ResourceLimits(ioBytesPerSecond: rate), ioPath: dir,
            "dd if=/dev/zero of=\(file) bs=1M count=50 oflag=direct")
        defer { try? result.job.remove() }
        #expect(exitedNormally(result.status), "dd: \(result.output)")
        // ~5 s of writing, so the throttle's initial burst does not dominate the rate.
        // dd's summary: "52428800 bytes (52 MB, 50 MiB) copied, 5.00119 s, 10.5 MB/s"
        let summary = try #require(result.output.split(separator: "\n").last { $0.contains("copied") })
        let fields = summary.split(separator: " ")
        let bytes = try #require(Double(fields[0]))
        let secondsField = try #require(fields.firstIndex { $0.hasPrefix("copied") }.map { fields[$0 + 1] })
        let seconds = try #require(Double(secondsField))
        #expect(bytes == Double(50 << 20))
        let measured = bytes / seconds
        #expect(
            abs(measured - Double(rate)) <= 0.2 * Double(rate),
            "dd wrote \(Int(measured)) bytes/s under a \(rate) bytes/s limit")
    }

    /// On v2 this is one read of `cgroup.events` (the VM stage); on v1 the walk of every hierarchy.
    @Test("isEmpty() counts a process in a child cgroup, until it is killed")
    func emptinessCountsChildCgroups() throws {
        let manager = try CgroupTestHost.manager("empty")
        defer { CgroupTestHost.dropParents(manager) }
        let job = try manager.createJobCgroup(jobID: "nested", limits: ResourceLimits(), ioPath: "/")
        #expect(job.isEmpty())
        let process = try GatedProcess.spawn("sleep 300")
        for dir in job.directories {
            #expect(mkdir(dir + "/inner", 0o755) == 0)
            try CgroupFS.write("\(process.pid)", to: dir + "/inner/cgroup.procs")
        }
        process.release()
        #expect(!job.isEmpty())
        try job.kill()
        #expect(job.isEmpty())
        #expect(terminatingSignal(process.finish().status) == SIGKILL)
        try job.remove()
        for dir in job.directories { #expect(!CgroupFS.exists(dir)) }
    }

    @Test("kill() of a process tree leaves nothing and remove() deletes the directories")
    func killTree() throws {
        let manager = try CgroupTestHost.manager("kill")
        defer { CgroupTestHost.dropParents(manager) }
        let job = try manager.createJobCgroup(jobID: "tree", limits: ResourceLimits(), ioPath: "/")
        let process = try GatedProcess.spawn(
            "/bin/sh -c 'sleep 300 & (sleep 300 &) ; /bin/sh -c \"sleep 300 & wait\" & wait'")
        try job.attach(pid: process.pid)
        process.release()
        #expect(CgroupTestHost.eventually(seconds: 20) { job.processes().count >= 5 })
        let members = job.processes()
        try job.kill()
        #expect(job.processes().isEmpty)
        #expect(terminatingSignal(process.finish().status) == SIGKILL)
        // Orphans were reparented away from us; none of them may still run.
        for pid in members where pid != process.pid {
            #expect(CgroupTestHost.eventually(seconds: 10) { !CgroupTestHost.isRunning(pid) }, "pid \(pid) survived")
        }
        try job.remove()
        for dir in job.directories { #expect(!CgroupFS.exists(dir)) }
    }

    @Test("remove() while the job's last process still runs waits for it to leave, then deletes every directory")
    func removeWaitsForTheLastProcess() throws {
        let manager = try CgroupTestHost.manager("remove-wait")
        defer { CgroupTestHost.dropParents(manager) }
        let job = try manager.createJobCgroup(jobID: "exiting", limits: ResourceLimits(), ioPath: "/")
        let process = try GatedProcess.spawn("sleep 1")
        try job.attach(pid: process.pid)
        process.release()
        #expect(!job.isEmpty())
        // rmdir answers EBUSY while the process lives: remove() must wait it out, not fail or leave a directory.
        try job.remove()
        for dir in job.directories { #expect(!CgroupFS.exists(dir)) }
        _ = process.finish()
    }
}
