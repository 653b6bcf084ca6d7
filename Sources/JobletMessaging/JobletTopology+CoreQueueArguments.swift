import AMQP
import JobletCore

extension JobletTopology {
    /// The exact arguments `declareCore` uses for one of its queues, so a client can re-declare it
    /// (e.g. to read its consumer count) without a 406 mismatch.
    public static func arguments(ofCoreQueue queue: String) -> FieldTable {
        switch queue {
        case Topology.submitQueue: return deadLettered
        case Topology.rpcQueue: return rpcQueueArguments
        default: return quorum
        }
    }
}
