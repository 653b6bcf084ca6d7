#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// The cgroup(s) of one job: attach its processes, read its usage, kill it, remove it.
///
/// On a v2 host this is one directory under `CgroupConfiguration.v2Root`; on a v1 (hybrid)
/// host it is one directory per mounted hierarchy, all named `<v1Name>/<jobID>`.
public final class JobCgroup: CgroupAttachment, Sendable {
    /// Where the job's cgroup directories are.
    enum Layout: Sendable, Equatable {
        /// The single unified-hierarchy directory.
        case v2(String)
        /// Controller name → directory; co-mounted controllers share one directory.
        case v1([String: String])
        /// No cgroup at all (mode `.none` with `allowUnenforced`).
        case none
    }

    /// The job this cgroup belongs to.
    public let jobID: String
    /// Names of the requested limits (`memory`, `cpu`, `cpuset`, `io`, `pids`) that the host
    /// could not enforce; only ever non-empty when `allowUnenforced` is set.
    public let unenforced: [String]
    let layout: Layout
    /// Highest `memory.current` seen by `usage()`, the peak on v2 kernels without `memory.peak` (< 5.19).
    let sampledMemoryPeak = Mutex<UInt64>(0)

    init(jobID: String, layout: Layout, unenforced: [String]) {
        self.jobID = jobID
        self.layout = layout
        self.unenforced = unenforced
    }

    /// The job's cgroup directory on a v2 host, which the sandbox clones the job into
    /// (`clone3(CLONE_INTO_CGROUP)`); nil on v1 or `.none`, where it is attached after clone.
    public var cloneDirectory: String? {
        if case .v2(let dir) = layout { return dir }
        return nil
    }

    /// The v1 `tasks` files the sandbox child moves itself in with (none on v2, which clones into
    /// the cgroup, nor without a cgroup).
    public var selfMoveFiles: [String] {
        if case .v1 = layout { return directories.map { $0 + "/tasks" } }
        return []
    }

    /// The distinct cgroup directories of this job: one on v2, one per mounted hierarchy on v1.
    public var directories: [String] {
        switch layout {
        case .v2(let dir): return [dir]
        case .v1(let dirs): return Array(Set(dirs.values)).sorted()
        case .none: return []
        }
    }

    /// Moves `pid` (and everything it will fork) into the job's cgroup(s).
    public func attach(pid: Int32) throws {
        for dir in directories {
            try CgroupFS.write("\(pid)", to: dir + "/cgroup.procs")
        }
    }

    /// The processes currently in the job's cgroup(s), sub-cgroups included.
    func processes() -> Set<Int32> {
        var pids = Set<Int32>()
        for dir in directories { collect(dir, into: &pids) }
        return pids
    }

    private func collect(_ dir: String, into pids: inout Set<Int32>) {
        pids.formUnion(CgroupFS.pids(in: dir + "/cgroup.procs"))
        for sub in CgroupFS.subdirectories(dir) { collect(dir + "/" + sub, into: &pids) }
    }

    /// Whether no process is left in the job's cgroup(s), child cgroups included. On v2 one read of
    /// `cgroup.events`, whose `populated` counts descendants too (it is what rmdir checks); on v1, which
    /// has no such file, the union of every hierarchy's `cgroup.procs`, children walked.
    func isEmpty() -> Bool {
        if case .v2(let dir) = layout, let events = try? CgroupFS.readIfPresent(dir + "/cgroup.events"),
            let populated = CgroupFS.keyedValues(events)["populated"]
        {
            return populated == 0
        }
        return processes().isEmpty
    }

    /// Kills every process of the job and returns once the cgroup is empty.
    ///
    /// v2 uses `cgroup.kill` (fallback: freeze, SIGKILL every pid, thaw); v1 freezes the
    /// freezer hierarchy so nothing can fork while it SIGKILLs every task.
    public func kill() throws {
        for _ in 0..<50 {
            switch layout {
            case .v2(let dir): try killV2(dir)
            case .v1(let dirs): try killV1(dirs)
            case .none: return
            }
            if try waitUntilEmpty(milliseconds: 200) { return }
        }
        throw CgroupError(.busy, "job \(jobID): processes survived SIGKILL", cause: "pids \(processes().sorted())")
    }

    private func killV2(_ dir: String) throws {
        // cgroup.kill since 5.14, cgroup.freeze since 5.2.
        if try CgroupFS.writeIfPresent("1", to: dir + "/cgroup.kill") { return }
        let freezable = try CgroupFS.writeIfPresent("1", to: dir + "/cgroup.freeze")
        for pid in processes() { try CgroupFS.sigkill(pid) }
        // A frozen v2 task still dies of SIGKILL; thaw anyway so the cgroup is usable again.
        if freezable { try CgroupFS.write("0", to: dir + "/cgroup.freeze") }
    }

    private func killV1(_ dirs: [String: String]) throws {
        guard let freezer = dirs["freezer"] else {
            for pid in processes() { try CgroupFS.sigkill(pid) }
            return
        }
        let state = freezer + "/freezer.state"
        try CgroupFS.write("FROZEN", to: state)
        // Freezing is asynchronous: wait until no task can fork any more.
        for _ in 0..<500 {
            if CgroupFS.trimmed(try CgroupFS.read(state)) == "FROZEN" { break }
            CgroupFS.pause(milliseconds: 2)
        }
        for pid in processes() { try CgroupFS.sigkill(pid) }
        // v1 frozen tasks only act on SIGKILL once thawed.
        try CgroupFS.write("THAWED", to: state)
    }

    /// Polls until the job has no process left; returns false on timeout.
    func waitUntilEmpty(milliseconds: Int) throws -> Bool {
        var waited = 0
        while true {
            if isEmpty() { return true }
            if waited >= milliseconds { return false }
            CgroupFS.pause(milliseconds: 5)
            waited += 5
        }
    }

    /// Deletes the job's cgroup directories once the job has exited (waits up to 10 s for
    /// its processes to leave). Throws `.busy` if processes remain: call `kill()` first.
    ///
    /// rmdir first: it fails with EBUSY while a process or child cgroup is left, which is the check.
    /// Reading every hierarchy's `cgroup.procs` and listing it beforehand cost a v1 job 40 system calls.
    public func remove() throws {
        var left: [String] = []
        for dir in directories {
            do { try CgroupFS.rmdir(dir) } catch let error as CgroupError where error.errnoCode == EBUSY {
                left.append(dir)
            } catch let error as CgroupError where error.errnoCode == ENOENT {
                continue
            }
        }
        if left.isEmpty { return }
        guard try waitUntilEmpty(milliseconds: 10_000) else {
            throw CgroupError(
                .busy, "job \(jobID) still has processes; call kill() before remove()",
                cause: "pids \(processes().sorted())")
        }
        for dir in left { try Self.removeTree(dir) }
    }

    /// rmdir, depth-first when there are child cgroups. rmdir is tried first: a job's cgroup has no
    /// children unless the job was delegated some, and listing each directory first cost five system
    /// calls per hierarchy on every job. EBUSY means children, or a last task that just exited.
    static func removeTree(_ dir: String) throws {
        var attempt = 0
        while true {
            do {
                try CgroupFS.rmdir(dir)
                return
            } catch let error as CgroupError {
                let code = error.errnoCode
                if code == ENOENT || code == ENOTDIR { return }
                attempt += 1
                guard code == EBUSY, attempt < 200 else { throw error }
                let children = CgroupFS.subdirectories(dir)
                if children.isEmpty {
                    CgroupFS.pause(milliseconds: 10)
                } else {
                    for child in children { try removeTree(dir + "/" + child) }
                }
            }
        }
    }
}
