import Synchronization

/// RPC calls waiting for their reply, by correlation id.
final class PendingReplies: Sendable {
    private let slots = Mutex<[String: ReplySlot]>([:])

    func insert(_ slot: ReplySlot, for id: String) {
        slots.withLock { $0[id] = slot }
    }

    func take(_ id: String) -> ReplySlot? {
        slots.withLock { $0.removeValue(forKey: id) }
    }
}
