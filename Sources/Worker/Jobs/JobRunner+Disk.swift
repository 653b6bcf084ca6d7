#if canImport(Glibc)
    import Glibc
#endif
import Isolation
import JobletCore
import JobletPackages
import Logging

extension JobRunner {
    /// Used when neither the job nor the worker's defaults name a disk size.
    static let fallbackDisk = ByteSize(bytes: 1 << 30)

    /// A disk of the job's limit from the pool (an idle one, or a new one made off the cooperative pool).
    func assignDisk(_ limits: EffectiveLimits) async -> JobDiskAssignment {
        guard let disks else { return .unenforced }
        do {
            return .disk(try await disks.acquire(sizeBytes: (limits.limits.disk ?? Self.fallbackDisk).bytes))
        } catch {
            return .failed(error)
        }
    }

    /// `/work` (with the upload extracted into it, so a bomb stops at the limit) and `/tmp` on the job's disk.
    func prepareDisk(_ disk: JobDisk, upload: JobUpload?, user: JobUser) throws {
        let tmp = disk.tmpDirectory
        try FileSystem.call("mkdir", tmp) { mkdir(tmp, 0o1777) }
        // mkdir applies the umask: the sticky, world-writable mode of a /tmp is set explicitly.
        try FileSystem.call("chmod", tmp) { chmod(tmp, 0o1777) }
        try FileSystem.chown(tmp, uid: user.uid, gid: user.gid)
        let work = disk.workDirectory
        if let upload {
            do {
                _ = try ArchiveExtractor.extract(
                    bytes: upload.archiveBytes(), to: work,
                    owner: user.owner)
            } catch let error as JobletError {
                // The extractor has removed what it wrote by now: the errno tells, not the disk.
                if error.cause == "errno \(ENOSPC)" || disk.isNearlyFull() {
                    throw WorkerError(.io, "\(JobDiskAssignment.reason): the upload does not fit in the job's disk (limit \(ByteSize(bytes: disk.sizeBytes)))")
                }
                throw WorkerError(.io, "upload: \(error.message)")
            }
        }
        if !FileSystem.exists(work) {
            try FileSystem.call("mkdir", work) { mkdir(work, 0o755) }
        }
        try FileSystem.chown(work, uid: user.uid, gid: user.gid)
    }

    /// The cgroup's unenforced limits, plus `disk` when the job runs without a disk of its own.
    func unenforcedLimits(_ cgroup: JobCgroup?, _ disk: JobDiskAssignment) -> [String]? {
        var names = cgroup?.unenforced ?? []
        if case .unenforced = disk { names.append("disk") }
        return names.nilIfEmpty
    }
}
