#if canImport(Glibc)
    import Glibc
#endif
import Isolation
import JobletCore

extension JobRunner {
    /// Each of the job's volumes (as the dispatcher resolved them: owner, size, read-only), its
    /// image made on first use and mounted (VolumeImages), and the runtime's package cache: what
    /// ``stageVolumes(_:jobID:user:)`` mounts for the job.
    func volumeSources(_ requested: [JobVolume], cache: VolumeMount?) async throws -> [VolumeMount] {
        guard !requested.isEmpty || cache != nil else { return [] }
        guard volumeMounts != nil else {
            throw WorkerError(
                .system,
                "volumes are unavailable on worker \(workerID): they need idmapped mounts (Linux 5.12+ and a file system for volumes_dir that supports them; the worker's start-up log says what failed)"
            )
        }
        return try await mountVolumeImages(requested, storageID: config.volumeOwner) + (cache.map { [$0] } ?? [])
    }

    /// The sources mounted idmapped for the job's uid: the job sees every file of them as its own, and
    /// what it writes is stored as `job.volume_owner`. Blocking (mounts): on the blocking executor.
    func stageVolumes(_ sources: [VolumeMount], jobID: String, user: JobUser) throws -> [VolumeMount] {
        guard !sources.isEmpty, let volumeMounts else { return [] }
        return try volumeMounts.stage(sources, jobID: jobID, uid: user.uid)
    }

    /// Sandbox.spawn; the staged volumes then leave the host's mount table (the job's namespace
    /// holds its own copies), whether the spawn worked or not.
    func spawn(_ plan: SandboxPlan, stagedFor jobID: String) throws -> SandboxProcess {
        defer { volumeMounts?.unstage(jobID: jobID) }
        return try Sandbox.spawn(plan)
    }
}
