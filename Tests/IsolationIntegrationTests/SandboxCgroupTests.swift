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

@Suite(.integration(needs: [.root]), .timeLimit(.minutes(10)))
struct SandboxCgroupTests {
    static let pidsRoot = "/sys/fs/cgroup/pids"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/cgroup.procs")))
    func jobRunsInsideItsCgroupWithACgroupNamespace() async throws {
        let path = Self.pidsRoot + "/joblet-sandbox-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { rmdir(path) }
        let work = try WorkDirectory()
        var plan = SandboxHarness.plan(
            ["/bin/sh", "-c", "grep ':pids:' /proc/self/cgroup; exec sleep 1000"],
            work: work)
        plan.cgroup = TestPidsCgroup(path: path)
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
        // Inside, the job's cgroup is the root of its cgroup namespace.
        #expect(out.hasSuffix(":pids:/\n"), "\(out)")
        #expect(await process.wait().code == 137)
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
