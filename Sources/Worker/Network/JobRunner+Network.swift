import Isolation
import JobletCore

extension JobRunner {
    /// The job's place on its network (`bridge` or a named one of its submitter), before its sandbox exists.
    func leaseNetwork(for message: JobMessage, bandwidth: ByteSize?) async -> JobNetworkAssignment {
        let network = message.request.jobNetwork
        guard network != .none else { return .none }
        guard let networks else {
            return .failed("network \(network.wireValue): worker \(workerID) offers no job networks (network.enabled in its worker.yml)")
        }
        do {
            let lease = try await networks.lease(
                jobID: message.jobID, hostname: Self.hostname(of: message.jobID),
                alias: Self.hostAlias(message.request.name), network: network,
                owner: message.submitter, bandwidth: bandwidth?.bytes)
            return .lease(lease)
        } catch {
            return .failed("network \(network.wireValue): \(error.message)")
        }
    }

    /// Gives the address back and removes the job's rules (and a named network's bridge with its last job).
    func releaseNetwork(_ assignment: JobNetworkAssignment) async {
        guard let lease = assignment.lease, let networks else { return }
        do { try await networks.release(lease) } catch {
            logger.warning("job network cleanup failed; the next start sweeps it", metadata: ["interface": "\(lease.hostInterface)", "error": "\(error)"])
        }
    }

    /// The sandbox's host name, `job-1a2b3c4d`; also its name on a named network.
    static func hostname(of jobID: String) -> String { "job-\(JobID.short(jobID))" }

    /// The job's `name` as a second host name on a named network, when it is a valid one (RFC 1123 label).
    static func hostAlias(_ name: String?) -> String? {
        guard let name, (1...63).contains(name.utf8.count), !name.hasPrefix("-"), !name.hasSuffix("-"),
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else { return nil }
        return name
    }
}
