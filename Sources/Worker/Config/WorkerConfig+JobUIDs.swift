extension WorkerConfig {
    /// `job.uid_range` against `slots` and `job.volume_owner`. The host's user database is checked
    /// at start (JobUIDHostCheck), where reading it is expected.
    func validateJobUIDs() throws {
        // One uid is the old shared uid (warned about at start); otherwise every slot needs its own.
        if jobUIDs.count > 1, jobUIDs.count < slots {
            throw WorkerError(
                .invalidConfig,
                "job.uid_range: \(jobUIDs) has \(jobUIDs.count) uids but slots is \(slots): each running job needs a uid of its own; give at least \(slots)")
        }
        if jobUIDs.contains(volumeOwner) {
            throw WorkerError(.invalidConfig, "job.volume_owner: \(volumeOwner) is inside job.uid_range \(jobUIDs); volumes must belong to no job's uid")
        }
        if volumeOwner == 0 {
            throw WorkerError(.invalidConfig, "job.volume_owner: 0 would make every job root on its volumes' files; give an unprivileged id (default 65534)")
        }
    }
}
