import Isolation
import JobletCore
import Logging
import SystemCalls

extension JobRunner {
    /// What an attempt leaves that takes blocking calls to remove, in one trip to the blocking executor
    /// (the disk pool's when the job had a disk): its cgroup (waits until the last process left it,
    /// retries while the kernel says busy), its staged volume mounts, `<state_dir>/jobs/<id>` (a job can
    /// leave a tree that takes seconds to delete), a spare network namespace for the next job in its
    /// place, then its disk, emptied and kept or destroyed. The job keeps its slot until then, so a job
    /// that leaves huge trees slows its own worker down instead of piling them up on the disk.
    func tearDown(jobID: String, cgroup: JobCgroup?, disk assignment: JobDiskAssignment) async {
        let jobDirectory = "\(config.stateDirectory)/jobs/\(jobID)"
        let removeRest: @Sendable () -> Void = { [self] in
            do { try cgroup?.remove() } catch {
                logger.warning("cgroup cleanup failed", metadata: ["job": "\(jobID)", "error": "\(error)"])
            }
            volumeMounts?.unstage(jobID: jobID)
            do { try TreeRemoval.remove(jobDirectory) } catch {
                logger.warning("work dir cleanup failed", metadata: ["job": "\(jobID)", "error": "\(error)"])
            }
            refillSpareNetworkNamespaces(slots: config.slots, logger: logger)
        }
        guard let disks, let disk = assignment.disk else {
            await BlockingExecutor.shared.run(removeRest)
            return
        }
        if let destroyed = await disks.release(disk, first: removeRest, clear: { try TreeRemoval.remove($0) }) {
            logger.debug("job disk destroyed, not kept for the next job", metadata: ["reason": "\(destroyed)"])
        }
    }
}
