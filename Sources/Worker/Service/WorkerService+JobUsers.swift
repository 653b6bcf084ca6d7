import Isolation
import JobletCore
import Logging

extension WorkerService {
    /// Checks `job.uid_range` against this host's users, and proves volumes can be mounted idmapped
    /// (returns nil where they cannot: jobs naming a volume then fail and say why). Start-up only.
    func prepareJobUsers() throws -> IdmappedVolumes? {
        try JobUIDHostCheck.check(config.jobUIDs)
        if config.jobUIDs.count == 1, config.slots > 1 {
            logger.warning(
                "job.uid_range has one uid: concurrent jobs share it, and with it per-user kernel limits (inotify instances, processes, …) and each other's files; give one uid per slot",
                metadata: ["uid": "\(config.jobUIDs)"])
        }
        let volumes = IdmappedVolumes(directory: config.stateDirectory + "/volume-mounts", storageID: config.volumeOwner)
        do {
            try FileSystem.makeDirectories(config.volumesDirectory, mode: 0o711)
            try volumes.prepare(probing: config.volumesDirectory)
            return volumes
        } catch {
            logger.warning(
                "volumes unavailable: they need idmapped mounts (Linux 5.12+, and a file system for volumes_dir that supports them); jobs that name a volume will fail",
                metadata: ["volumes_dir": "\(config.volumesDirectory)", "error": "\(error)"])
            return nil
        }
    }
}
