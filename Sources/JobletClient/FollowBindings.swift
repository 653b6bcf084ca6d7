import JobletCore

/// What a follow's queue is bound to: the submitter's job events and, when following output, its
/// log chunks; for one job, or for all of the submitter's jobs (before a submission names one).
struct FollowBindings {
    let submitter: String
    /// Log chunks too, not only events.
    let logs: Bool
    /// The dispatcher's recorded ends too: false for a user made before they existed, whose topic
    /// permission (`^job\.{username}\.`) refuses their keys.
    var recorded = true

    /// The exchanges and routing keys of `jobID`'s messages, or of all the submitter's jobs when nil:
    /// logs first, then events, then the dispatcher's recorded ends.
    func keys(jobID: String?) -> [(exchange: String, routingKey: String)] {
        let events = jobID.map { Topology.eventFollowKey(submitter: submitter, jobID: $0) } ?? Topology.eventFollowAllKey(submitter: submitter)
        let ends = jobID.map { Topology.recordedFollowKey(submitter: submitter, jobID: $0) } ?? Topology.recordedFollowAllKey(submitter: submitter)
        let lifecycle = [(Topology.eventsExchange, events)] + (recorded ? [(Topology.eventsExchange, ends)] : [])
        guard logs else { return lifecycle }
        let chunks = jobID.map { Topology.logFollowKey(submitter: submitter, jobID: $0) } ?? Topology.logFollowAllKey(submitter: submitter)
        return [(Topology.logsExchange, chunks)] + lifecycle
    }
}
