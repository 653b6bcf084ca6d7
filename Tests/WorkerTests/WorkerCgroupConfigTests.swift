import Testing
import Worker

/// worker.yml `cgroup.delegated` (docs/WORKER.md, "Job cgroups, and a delegated subtree").
struct WorkerCgroupConfigTests {
    @Test func delegationIsOffByDefaultAndReadFromTheFile() throws {
        #expect(!WorkerConfig().cgroupDelegated)
        #expect(try WorkerConfig.load(text: "cgroup:\n  delegated: true\n").config.cgroupDelegated)
        #expect(try !WorkerConfig.load(text: "cgroup:\n  allow_unenforced: true\n").config.cgroupDelegated)
    }

    @Test func aDelegatedWorkerTakesNoCgroupRoot() {
        #expect {
            _ = try WorkerConfig.load(text: "cgroup:\n  delegated: true\n  root: /sys/fs/cgroup/x.slice\n")
        } throws: { error in
            (error as? WorkerError)?.message.hasPrefix("cgroup.root \"/sys/fs/cgroup/x.slice\" and cgroup.delegated exclude each other") == true
        }
    }
}
