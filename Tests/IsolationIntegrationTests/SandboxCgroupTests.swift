import Foundation
import Isolation
import TestSupport
import Testing

/// A minimal cgroup (v1 `pids` hierarchy on this host) standing in for the real Cgroup module.
private struct TestPidsCgroup: CgroupAttachment {
    let path: String
    func attach(pid: Int32) throws {
        try "\(pid)\n".write(toFile: path + "/cgroup.procs", atomically: false, encoding: .utf8)
    }
}

/// Records the pid it was given, then refuses.
private final class RefusingCgroup: CgroupAttachment, @unchecked Sendable {
    var pid: Int32 = 0
    struct Refused: Error {}
    func attach(pid: Int32) throws {
        self.pid = pid
        throw Refused()
    }
}

/// A v2 cgroup to clone into that refuses any attach after clone: a job that starts was born in it.
private struct CloneIntoCgroup: CgroupAttachment {
    let path: String
    var cloneDirectory: String? { path }
    struct Migrated: Error {}
    func attach(pid: Int32) throws { throw Migrated() }
}

/// v1 cgroup files the child moves itself in with; an attach by the parent throws, so a job that
/// starts moved itself.
private struct SelfMoveCgroup: CgroupAttachment {
    let files: [String]
    var selfMoveFiles: [String] { files }
    struct Attached: Error {}
    func attach(pid: Int32) throws { throw Attached() }
}

/// Takes its time, then attaches nothing or refuses: the child meanwhile gets through its setup or fails it.
private struct SlowCgroup: CgroupAttachment {
    let refuses: Bool
    struct Refused: Error {}
    func attach(pid: Int32) throws {
        usleep(300_000)
        if refuses { throw Refused() }
    }
}

@Suite(.integration(needs: [.root]), .timeLimit(.minutes(10)))
struct SandboxCgroupTests {
    static let pidsRoot = "/sys/fs/cgroup/pids"
    /// Where cgroup2 is mounted: `/sys/fs/cgroup` on a v2 host, `/sys/fs/cgroup/unified` (no controllers) in hybrid mode.
    static let unifiedRoot: String? = {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return nil }
        let fields = mounts.split(separator: "\n").map { $0.split(separator: " ") }
        return fields.first { $0.count > 2 && $0[2] == "cgroup2" }.map { String($0[1]) }
    }()

    @Test(.enabled(if: unifiedRoot != nil))
    func jobIsClonedStraightIntoAV2Cgroup() async throws {
        let path = try Self.scratchCgroup(under: try #require(Self.unifiedRoot))
        defer { rmdir(path) }
        let work = try WorkDirectory()
        var plan = SandboxHarness.plan(["/bin/sh", "-c", "grep '^0::' /proc/self/cgroup; exec sleep 1000"], work: work)
        plan.cgroup = CloneIntoCgroup(path: path)
        // Attaching after clone would throw: the job starting proves the clone put it there. The
        // cgroup namespace is still entered after the cgroup: the job sees its cgroup as the root.
        #expect(try await Self.firstLine(of: plan, member: path) == "0::/\n")
    }

    @Test func aSetupStepTheChildFailedWhileBeingAttachedIsTheError() throws {
        let work = try WorkDirectory()
        let inner = try WorkDirectory()
        var plan = SandboxHarness.plan(["true"], work: work)
        // Fails inside the child's mount namespace, which it builds while the parent attaches.
        plan.runtimeMounts = [
            MountSpec(source: work.path, target: "/opt/rt", readOnly: true),
            MountSpec(source: inner.path, target: "/opt/rt/nested", readOnly: true),
        ]
        for refuses in [true, false] {
            plan.cgroup = SlowCgroup(refuses: refuses)
            let error = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
            // Not "cgroup attach", nor a write to a child that is gone (no SIGPIPE either: this process lives on).
            #expect(error?.stage == "create /opt/rt/nested", "attach \(refuses ? "refused" : "succeeded"): \(String(describing: error))")
            #expect(error?.errno == EROFS)
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/cgroup.procs")))
    func jobRunsInsideItsCgroupWithACgroupNamespace() async throws {
        let path = try Self.scratchCgroup(under: Self.pidsRoot)
        defer { rmdir(path) }
        let work = try WorkDirectory()
        var plan = SandboxHarness.plan(
            ["/bin/sh", "-c", "grep ':pids:' /proc/self/cgroup; exec sleep 1000"],
            work: work)
        plan.cgroup = TestPidsCgroup(path: path)
        // Inside, the job's cgroup is the root of its cgroup namespace.
        let line = try await Self.firstLine(of: plan, member: path)
        #expect(line.hasSuffix(":pids:/\n"), "\(line)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/tasks")))
    func aV1JobMovesItselfIntoItsCgroup() async throws {
        let path = try Self.scratchCgroup(under: Self.pidsRoot)
        defer { rmdir(path) }
        let work = try WorkDirectory()
        var plan = SandboxHarness.plan(["/bin/sh", "-c", "grep ':pids:' /proc/self/cgroup; exec sleep 1000"], work: work)
        plan.cgroup = SelfMoveCgroup(files: [path + "/tasks"])
        // In the cgroup (the helper checks cgroup.procs) although the parent never attached it, and
        // the root of its cgroup namespace.
        let line = try await Self.firstLine(of: plan, member: path)
        #expect(line.hasSuffix(":pids:/\n"), "\(line)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpuset/tasks")))
    func aSelfMoveTheKernelRefusesFailsTheSpawnNamingTheFile() throws {
        // A new v1 cpuset cgroup has no CPUs until it is given some: the kernel refuses every task (ENOSPC).
        let path = try Self.scratchCgroup(under: "/sys/fs/cgroup/cpuset")
        defer { rmdir(path) }
        let work = try WorkDirectory()
        let fdsBefore = SandboxHarness.count("/proc/self/fd")
        var plan = SandboxHarness.plan(["/bin/true"], work: work)
        plan.cgroup = SelfMoveCgroup(files: [path + "/tasks"])
        let error = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
        #expect(error?.code == .cgroup)
        #expect(error?.stage == "cgroup attach")
        #expect(error?.errno == ENOSPC)
        #expect(error?.message.contains(path + "/tasks") == true, "\(String(describing: error))")
        #expect(try String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8).isEmpty)

        plan.cgroup = SelfMoveCgroup(files: [path + "/no-such-file"])
        let missing = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
        #expect(missing?.code == .cgroup)
        #expect(missing?.errno == ENOENT)
        // Neither failure leaks a descriptor (see failedAttachLeavesNothingRunning for the margin).
        for files in [[path + "/tasks"], [path + "/tasks", path + "/no-such-file"]] {
            plan.cgroup = SelfMoveCgroup(files: files)
            for _ in 0..<100 { _ = try? Sandbox.spawn(plan) }
        }
        #expect(SandboxHarness.count("/proc/self/fd") - fdsBefore < 100)
    }

    /// A new empty cgroup directory under `root`; the caller removes it.
    static func scratchCgroup(under root: String) throws -> String {
        let path = root + "/joblet-sandbox-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    /// Starts `plan`, checks the job is in the cgroup at `path` once it printed its first line, then
    /// kills it; returns that line.
    static func firstLine(of plan: SandboxPlan, member path: String) async throws -> String {
        let process = try Sandbox.spawn(plan)
        var out = ""
        for try await chunk in process.output where chunk.stream == .stdout {
            out += String(decoding: chunk.bytes, as: UTF8.self)
            if out.hasSuffix("\n") {
                let members = try String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)
                #expect(members.split(separator: "\n").contains("\(process.pid)"))
                process.kill()
            }
        }
        #expect(await process.wait().code == 137)
        return out
    }

    @Test func failedAttachLeavesNothingRunning() throws {
        let work = try WorkDirectory()
        let fdsBefore = SandboxHarness.count("/proc/self/fd")
        var plan = SandboxHarness.plan(["/bin/true"], work: work)
        let cgroup = RefusingCgroup()
        plan.cgroup = cgroup
        let error = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
        #expect(error?.code == .cgroup)
        #expect(cgroup.pid > 0)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(cgroup.pid)"))
        // Repeat so that a leak (even 1 fd per attempt, 200 in all) stands out from the fds that
        // concurrently running tests open and close meanwhile (31 seen on a loaded CI run).
        for _ in 0..<200 { _ = try? Sandbox.spawn(plan) }
        #expect(SandboxHarness.count("/proc/self/fd") - fdsBefore < 100)
    }
}
