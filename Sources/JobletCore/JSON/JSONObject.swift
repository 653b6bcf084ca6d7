/// A JSON object that keeps its keys in the order they were written or inserted.
///
/// Keys and values sit in two parallel arrays and a small object is searched in order: a message's
/// objects have a handful of members, and hashing every key for a dictionary (on insert, on each lookup)
/// was most of the cost of reading one (Benchmarks/JSONBench). Past `indexedFrom` members a key → position
/// index is kept too, so a large object (a hostile `env` of 100,000 entries) costs no more per lookup.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// Member count from which lookups go through `index`.
    static let indexedFrom = 16

    /// Keys in order.
    public private(set) var keys: [String] = []
    /// `values[i]` belongs to `keys[i]`.
    private var values: [JSONValue] = []
    /// Key → position; only once there are `indexedFrom` members.
    private var index: [String: Int]?

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// Setting an existing key keeps its position; setting nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { values[$0] } }
        set {
            let existing = position(of: key)
            switch (existing, newValue) {
            case (let at?, let value?):
                values[at] = value
            case (nil, let value?):
                keys.append(key)
                values.append(value)
                if index != nil {
                    index?[key] = keys.count - 1
                } else if keys.count >= Self.indexedFrom {
                    buildIndex()
                }
            case (let at?, nil):
                keys.remove(at: at)
                values.remove(at: at)
                if index != nil { buildIndex() }
            case (nil, nil):
                break
            }
        }
    }

    public var count: Int { keys.count }

    /// Key/value pairs in order.
    public var pairs: [(key: String, value: JSONValue)] {
        Array(zip(keys, values).lazy.map { (key: $0, value: $1) })
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keys.firstIndex(of: key)
    }

    private mutating func buildIndex() {
        var positions = [String: Int](minimumCapacity: keys.count)
        for (at, key) in keys.enumerated() { positions[key] = at }
        index = keys.count >= Self.indexedFrom ? positions : nil
    }
}
