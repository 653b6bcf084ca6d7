/// The keys of a JSON object in order, with their positions: searched in order while the object is
/// small, through a key → position index from `indexedFrom` keys on. A message's objects have a handful
/// of members, and hashing every key (on insert, on each lookup) was most of the cost of reading one
/// (Benchmarks/JSONBench); the index keeps a large object (a hostile `env` of 100,000 entries) linear.
/// Shared by `JSONObject` and the encoder's object nodes, whose values sit in an array beside it.
struct JSONObjectKeys: Sendable, Equatable {
    /// Key count from which lookups go through `index`.
    static let indexedFrom = 16

    private(set) var keys: [String] = []
    private var index: [String: Int]?

    var count: Int { keys.count }

    func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keys.firstIndex(of: key)
    }

    /// Adds a key the object does not have yet; its values' array appends at the same position.
    mutating func append(_ key: String) {
        keys.append(key)
        if index != nil {
            index?[key] = keys.count - 1
        } else if keys.count >= Self.indexedFrom {
            reindex()
        }
    }

    mutating func remove(at position: Int) {
        keys.remove(at: position)
        if index != nil { reindex() }
    }

    /// Equal keys in the same order (the index follows from them).
    static func == (lhs: JSONObjectKeys, rhs: JSONObjectKeys) -> Bool { lhs.keys == rhs.keys }

    private mutating func reindex() {
        guard keys.count >= Self.indexedFrom else {
            index = nil
            return
        }
        var positions = [String: Int](minimumCapacity: keys.count)
        for (at, key) in keys.enumerated() { positions[key] = at }
        index = positions
    }
}
