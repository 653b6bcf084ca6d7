import Isolation
import JobletCore
import Logging
import SystemCalls

extension WorkerService {
    /// Job disks live in `<state_dir>/disks`: what a crashed predecessor left there is unmounted and
    /// deleted, then a small disk is made and destroyed, which proves this host can make them
    /// (loop devices, mkfs.ext4, mount). A host that cannot refuses to serve, unless `cgroup.allow_unenforced` lets jobs run without (results list `disk` as unenforced).
    func prepareDisks() async throws -> DiskPool? {
        let pool = DiskPool(directory: config.stateDirectory + "/disks", maxIdle: config.slots)
        do {
            let removed = try await BlockingExecutor.shared.run { try pool.removeLeftovers() }
            if removed > 0 { logger.info("removed job disks of a crashed predecessor", metadata: ["count": "\(removed)"]) }
            try await pool.probe()
            return pool
        } catch {
            guard config.allowUnenforced else {
                throw WorkerError(
                    .system, "job disks unavailable (limits.disk needs loop devices and mkfs.ext4): \(error); fix the host or set cgroup.allow_unenforced: true"
                )
            }
            logger.warning("running without job disks: limits.disk is NOT enforced", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
