import Isolation
import JobletCore
import Logging
import SystemCalls

extension JobRunner {
    /// What an attempt leaves that takes blocking calls to remove, in one trip to the blocking executor:
    /// its cgroup (waits until the last process left it, retries while the kernel says busy), its staged
    /// volume mounts and `<state_dir>/jobs/<id>` (a job can leave a tree that takes seconds to delete).
    /// The job keeps its slot until then, so a job that leaves huge trees slows its own worker down
    /// instead of piling them up on the disk.
    func tearDown(jobID: String, cgroup: JobCgroup?) async {
        let jobDirectory = "\(config.stateDirectory)/jobs/\(jobID)"
        await BlockingExecutor.shared.run { [self] in
            do { try cgroup?.remove() } catch {
                logger.warning("cgroup cleanup failed", metadata: ["job": "\(jobID)", "error": "\(error)"])
            }
            volumeMounts?.unstage(jobID: jobID)
            do { try TreeRemoval.remove(jobDirectory) } catch {
                logger.warning("work dir cleanup failed", metadata: ["job": "\(jobID)", "error": "\(error)"])
            }
        }
    }
}
