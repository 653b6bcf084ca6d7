import Isolation

/// A job's network: none (loopback only), its lease, or why it could not have one.
enum JobNetworkAssignment: Sendable {
    case none
    case lease(JobNetworkLease)
    /// The job fails before it starts, with this reason.
    case failed(String)

    var lease: JobNetworkLease? {
        if case .lease(let lease) = self { return lease }
        return nil
    }

    func check() throws {
        if case .failed(let reason) = self { throw WorkerError(.system, reason) }
    }
}
