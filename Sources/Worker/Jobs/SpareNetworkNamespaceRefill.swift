import Isolation
import Logging

/// Spare network namespaces for the next `slots` jobs (Isolation's SpareNetworkNamespaces), made off
/// every job's path: at start and in each job's tear-down. Blocking. A failure only means that jobs
/// get theirs at clone, as without spares.
func refillSpareNetworkNamespaces(slots: Int, logger: Logger) {
    do { try SpareNetworkNamespaces.refill(upTo: slots) } catch {
        logger.warning("cannot make spare network namespaces; each job makes its own", metadata: ["error": "\(error)"])
    }
}
