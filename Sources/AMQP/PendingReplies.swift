import Synchronization

/// RPC calls waiting for their reply, by correlation id; closed for good (every waiting call failed,
/// every later one refused) when the reply consumer stops.
final class PendingReplies: Sendable {
    private struct State {
        var slots: [String: ReplySlot] = [:]
        var closedBy: AMQPError?
    }

    private let state = Mutex(State())

    func insert(_ slot: ReplySlot, for id: String) throws(AMQPError) {
        try state.withLock { (s: inout State) throws(AMQPError) in
            if let error = s.closedBy { throw error }
            s.slots[id] = slot
        }
    }

    func take(_ id: String) -> ReplySlot? {
        state.withLock { $0.slots.removeValue(forKey: id) }
    }

    /// No reply can come any more: fails the waiting calls with `error`, and refuses later ones.
    func close(_ error: AMQPError) {
        let waiting = state.withLock { s -> [ReplySlot] in
            s.closedBy = s.closedBy ?? error
            defer { s.slots.removeAll() }
            return Array(s.slots.values)
        }
        for slot in waiting { slot.fulfill(.failure(error)) }
    }
}
