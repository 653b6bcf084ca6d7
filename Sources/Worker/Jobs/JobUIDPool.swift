#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JobletCore

/// Hands each running job a uid of `job.uid_range` that no other running job has, so per-user
/// kernel limits (inotify instances and watches, RLIMIT_NPROC, mqueue bytes, …) and file ownership
/// never cross jobs. A job's uid is given back only after its processes are gone and its files
/// removed (JobRunner.run). A uid is leased only when
/// - no other job of this worker has it,
/// - no other worker on this host holds it: an flock on `<lockDirectory>/<uid>`, which the kernel
///   drops when a worker dies, so two workers given the same range still never share a uid, and
/// - no process on the host runs as it (say, a job of a worker that crashed and whose cgroup
///   nobody cleaned up).
/// A range of one uid is the old shared uid: every job gets it.
actor JobUIDPool {
    let range: JobUIDRange
    let lockDirectory: String
    /// Leased uids and the fd holding each one's lock.
    private var leased: [UInt32: Int32] = [:]

    static let defaultLockDirectory = "/run/joblet/job-uids"

    init(range: JobUIDRange, lockDirectory: String = defaultLockDirectory) {
        self.range = range
        self.lockDirectory = lockDirectory
    }

    var isShared: Bool { range.count == 1 }
    var leasedUIDs: [UInt32] { leased.keys.sorted() }

    /// The lowest free uid, or nil when every one is taken (by this worker, another, or a process).
    func lease() async -> JobUser? {
        if isShared { return JobUser(uid: range.first) }
        // Read before looking at `leased`: no suspension point between choosing and recording.
        let running = await Self.processUIDs()
        for uid in range.first...range.last where leased[uid] == nil && !running.contains(uid) {
            guard let lock = lockUID(uid) else { continue }
            leased[uid] = lock
            return JobUser(uid: uid)
        }
        return nil
    }

    func release(_ user: JobUser) {
        guard let lock = leased.removeValue(forKey: user.uid) else { return }
        close(lock)
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

    /// Every real, effective, saved and filesystem uid of the host's processes, read off the
    /// cooperative pool (a /proc walk).
    static func processUIDs() async -> Set<UInt32> {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: scanProcessUIDs()) }
        }
    }

    static func scanProcessUIDs() -> Set<UInt32> {
        var uids = Set<UInt32>()
        for name in DirectoryEntries.namesIfPresent("/proc") {
            guard let first = name.utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else { continue }
            // A process that exits meanwhile has no status: it runs as nobody any more.
            guard let status = try? FileText.read("/proc/\(name)/status"),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { continue }
            for field in line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }) {
                if let uid = UInt32(field) { uids.insert(uid) }
            }
        }
        return uids
    }
}
