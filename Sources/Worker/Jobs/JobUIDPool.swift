#if canImport(Glibc)
    import Glibc
#endif
import FoundationEssentials
import JobletCore
import SystemCalls

/// Hands each running job a uid of `job.uid_range` that no other running job has, so per-user
/// kernel limits (inotify instances and watches, RLIMIT_NPROC, mqueue bytes, …) and file ownership
/// never cross jobs. A job's uid is given back only after its processes are gone and its files
/// removed (JobRunner.run).
///
/// The worker takes a uid into its own set once, and keeps it for its lifetime:
/// - an flock on `<lockDirectory>/<uid>`, held until the worker exits (the kernel drops it when a
///   worker dies), so two workers given the same range never share a uid, and
/// - only when no process on the host runs as it (say, a job of a worker that crashed and whose
///   cgroup nobody cleaned up): a /proc walk, done when the set grows, not per job.
/// From then on only this worker's jobs run as that uid, and a job gives it back only after its pid
/// namespace ended, so a uid of the set that no job holds has no process left. The set grows to the
/// worker's peak of concurrent jobs. A range of one uid is the old shared uid: every job gets it.
actor JobUIDPool {
    let range: JobUIDRange
    let lockDirectory: String
    /// The uids this worker took, each with the fd holding its lock.
    private var owned: [UInt32: Int32] = [:]
    /// The uids of `owned` that a running job holds.
    private var leased: Set<UInt32> = []

    static let defaultLockDirectory = "/run/joblet/job-uids"

    init(range: JobUIDRange, lockDirectory: String = defaultLockDirectory) {
        self.range = range
        self.lockDirectory = lockDirectory
    }

    deinit {
        for lock in owned.values { close(lock) }
    }

    var isShared: Bool { range.count == 1 }
    var leasedUIDs: [UInt32] { leased.sorted() }

    /// The lowest free uid, or nil when every one is taken (by this worker, another, or a process).
    func lease() async -> JobUser? {
        if isShared { return JobUser(uid: range.first) }
        if let uid = owned.keys.filter({ !leased.contains($0) }).min() {
            leased.insert(uid)
            return JobUser(uid: uid)
        }
        // Read before looking at `owned`: no suspension point between choosing and recording.
        let running = await Self.processUIDs()
        for uid in range.first...range.last where owned[uid] == nil && !running.contains(uid) {
            guard let lock = lockUID(uid) else { continue }
            owned[uid] = lock
            leased.insert(uid)
            return JobUser(uid: uid)
        }
        return nil
    }

    /// The job's processes and files are gone: the uid is free for the next job of this worker.
    func release(_ user: JobUser) {
        leased.remove(user.uid)
    }

    /// An fd holding an exclusive flock on the uid's lock file, or nil when another worker holds it
    /// (or the lock directory cannot be made: then no uid is leased, and the job says why).
    private func lockUID(_ uid: UInt32) -> Int32? {
        mkdir("/run/joblet", 0o755)
        mkdir(lockDirectory, 0o700)
        let fd = open("\(lockDirectory)/\(uid)", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Every real, effective, saved and filesystem uid of the host's processes, read on the
    /// blocking executor (a /proc walk).
    static func processUIDs() async -> Set<UInt32> {
        await BlockingExecutor.shared.run { scanProcessUIDs() }
    }

    static func scanProcessUIDs() -> Set<UInt32> {
        var uids = Set<UInt32>()
        for name in DirectoryEntries.namesIfPresent("/proc") {
            guard let first = name.utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else { continue }
            // A process that exits meanwhile has no status: it runs as nobody any more.
            guard let status = try? FileText.readBytes("/proc/\(name)/status") else { continue }
            uids.formUnion(ProcStatus.uids(status))
        }
        return uids
    }
}
