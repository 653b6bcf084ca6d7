import JobletCore
import Logging

extension JobRunner {
    /// Removes `<state_dir>/jobs/<id>` once the attempt is over, on a thread of its own (a job can
    /// leave a tree that takes seconds to delete). The job keeps its slot until then, so a job that
    /// leaves huge trees slows its own worker down instead of piling them up on the disk.
    func removeJobDirectory(of jobID: String) async {
        do {
            try await TreeRemoval.removeOnBlockingExecutor("\(config.stateDirectory)/jobs/\(jobID)")
        } catch {
            logger.warning("work dir cleanup failed", metadata: ["job": "\(jobID)", "error": "\(error)"])
        }
    }
}
