/// A JSON object that keeps its keys in the order they were written or inserted.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// Keys in order.
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// Setting an existing key keeps its position; setting nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }

    /// Key/value pairs in order.
    public var pairs: [(key: String, value: JSONValue)] {
        keys.compactMap { key in values[key].map { (key: key, value: $0) } }
    }
}
