import Isolation
import JobletCore

/// The disk a job writes to (`/work`, `/tmp`, its upload), or why it has none.
enum JobDiskAssignment: Sendable {
    /// A loop-backed filesystem of the job's disk limit.
    case disk(JobDisk)
    /// This host cannot make job disks and `cgroup.allow_unenforced` lets jobs run without one:
    /// the work dir is a plain directory in the state dir and `/tmp` a tmpfs.
    case unenforced
    /// Making the disk failed: the job fails before it starts, with this error.
    case failed(SandboxError)

    var disk: JobDisk? {
        if case .disk(let disk) = self { return disk }
        return nil
    }

    /// Throws the error of a disk that could not be made.
    func check() throws {
        if case .failed(let error) = self { throw error }
    }

    /// Writes hit (or are about to hit) the limit: checked once the job's processes are gone.
    var isFull: Bool { disk?.isNearlyFull() ?? false }

    /// `result.reason` of a job that failed with its disk full; rnx explains it (JobExit).
    static let reason = "disk_limit"
}
