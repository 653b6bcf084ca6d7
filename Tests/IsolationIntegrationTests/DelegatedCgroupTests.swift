import Foundation
import Glibc
import TestSupport
import Testing
@testable import Isolation

/// A worker whose own cgroup was delegated to it (a container's cgroup, a systemd unit with
/// `Delegate=yes`): `CgroupConfiguration.delegated` keeps its job cgroups below that cgroup. The test
/// makes a nested cgroup `<top>/svc` (two levels, like a unit in a slice), starts a child process in it
/// (this test binary again, running only `delegatedChild`), and the child does what the worker does at
/// start, then runs an OOM-limited process. On v2 (the VM stage of scripts/test) this proves the "no
/// internal processes" dance: the child's processes move to `<top>/svc/worker` before `svc` hands its
/// controllers to `svc/joblet-delegated`; on v1 the job parent is `svc/joblet-delegated` per hierarchy.
@Suite("Delegated cgroup subtree", .integration(needs: [.root]))
struct DelegatedCgroupTests {
    static let childVariable = "JOBLET_DELEGATED_CGROUP_CHILD"
    static let jobParentName = "joblet-delegated"

    /// `<top>/svc` in the unified hierarchy (v2) or in every v1 hierarchy; its `cgroup.procs` files.
    struct Nested {
        var tops: [String]
        var services: [String]
    }

    static func makeNested(_ name: String) throws -> Nested {
        var nested = Nested(tops: [], services: [])
        if CgroupFS.exists("/sys/fs/cgroup/cgroup.controllers") {
            let top = "/sys/fs/cgroup/" + name
            try CgroupFS.mkdirs(top + "/svc")
            // What a delegating parent does: offer the controllers to the delegated cgroup.
            for dir in ["/sys/fs/cgroup", top] {
                for controller in ["cpu", "cpuset", "io", "memory", "pids"] {
                    try? CgroupFS.write("+" + controller, to: dir + "/cgroup.subtree_control")
                }
            }
            nested.tops = [top]
            nested.services = [top + "/svc"]
        } else {
            for mount in Set(try CgroupMount.all().v1.values).sorted() {
                let top = mount + "/" + name
                try CgroupFS.mkdirs(top + "/svc")
                if CgroupFS.exists(top + "/cpuset.cpus") {
                    for dir in [top, top + "/svc"] {
                        for file in ["cpuset.cpus", "cpuset.mems"] {
                            try CgroupFS.write(CgroupFS.trimmed(try CgroupFS.read(mount + "/" + file)), to: dir + "/" + file)
                        }
                    }
                }
                nested.tops.append(top)
                nested.services.append(top + "/svc")
            }
        }
        return nested
    }

    @Test("a worker in a nested, delegated cgroup keeps its job cgroups below it and their limits hold")
    func nestedWorker() throws {
        let name = "joblet-delegation-test-\(getpid())"
        let nested = try Self.makeNested(name)
        defer { for top in nested.tops { try? JobCgroup.removeTree(top) } }

        // The child joins <top>/svc in every hierarchy before it execs this test binary again.
        let joins = nested.services.map { "echo $$ > '\($0)/cgroup.procs'" }.joined(separator: " && ")
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = nested.services.joined(separator: ":")
        let (status, output) = try CombinedOutput.run(
            [
                "/bin/sh", "-c", joins + " && exec \"$0\" --testing-library swift-testing --filter 'DelegatedCgroupTests/delegatedChild'",
                try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            ],
            environment: environment)
        #expect(status == 0, "\(output)")
        #expect(output.contains("delegated child: ok"), "the child test did not run: \(output)")

        for service in nested.services {
            // Nothing of the child's job is left, and nothing was made beside the delegated cgroup.
            #expect(CgroupFS.subdirectories(service + "/" + Self.jobParentName).isEmpty)
            #expect(CgroupFS.pids(in: service + "/cgroup.procs").isEmpty)
            let top = String(service.dropLast("/svc".count))
            #expect(CgroupFS.subdirectories(top) == ["svc"])
        }
        if nested.services.count == 1 {
            // v2: the child's processes went to the leaf, its jobs below the job parent.
            #expect(CgroupFS.subdirectories(nested.services[0]).sorted() == [Self.jobParentName, CgroupDelegation.leafName])
        }
    }

    /// Runs only as the child of `nestedWorker`, inside the nested cgroup it made.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil))
    func delegatedChild() throws {
        let services = try #require(ProcessInfo.processInfo.environment[Self.childVariable]).split(separator: ":").map(String.init)
        let manager = try CgroupManager(
            configuration: CgroupConfiguration(
                v1Name: Self.jobParentName, allowUnenforced: false, delegated: true))
        #expect(manager.parentDirectories == services.map { $0 + "/" + Self.jobParentName }.sorted())
        #expect(manager.availableControllers.contains("memory"))
        let own = try CgroupDelegation.ownPaths()
        if manager.mode == .v2 {
            // This process left `svc` for its leaf; `svc` holds no process and gives out the controllers.
            #expect(own.unified?.hasSuffix("/svc/" + CgroupDelegation.leafName) == true, "\(own)")
            #expect(CgroupFS.pids(in: services[0] + "/cgroup.procs").isEmpty)
            let enabled = CgroupFS.trimmed(try CgroupFS.read(services[0] + "/cgroup.subtree_control"))
            #expect(enabled.contains("memory") && enabled.contains("pids"), "\(enabled)")
        } else {
            #expect(own.v1["memory"]?.hasSuffix("/svc") == true, "\(own)")
        }

        let limit: Int64 = 64 << 20
        let job = try manager.createJobCgroup(jobID: "oom", limits: ResourceLimits(memoryBytes: limit), ioPath: "/")
        #expect(job.directories.allSatisfy { $0.hasSuffix("/svc/\(Self.jobParentName)/oom") }, "\(job.directories)")
        let process = try GatedProcess.spawn("/usr/bin/python3 -c 'b = b\"x\" * \(3 * limit); print(\"survived\")'")
        try job.attach(pid: process.pid)
        process.release()
        let result = process.finish()
        #expect(terminatingSignal(result.status) == SIGKILL, "\(result.output)")
        #expect(!result.output.contains("survived"))
        #expect(try job.usage().oomKilled)
        try job.remove()
        #expect(try manager.cleanupLeftovers() == 0)
        print("delegated child: ok")
    }
}
