/// A JSON object that keeps its keys in the order they were written or inserted; its members are
/// looked up as `JSONObjectKeys` says (in order when small, indexed when large).
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private var members = JSONObjectKeys()
    /// `values[i]` belongs to `keys[i]`.
    private var values: [JSONValue] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// Keys in order.
    public var keys: [String] { members.keys }

    /// Setting an existing key keeps its position; setting nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { members.position(of: key).map { values[$0] } }
        set {
            switch (members.position(of: key), newValue) {
            case (let at?, let value?):
                values[at] = value
            case (nil, let value?):
                members.append(key)
                values.append(value)
            case (let at?, nil):
                members.remove(at: at)
                values.remove(at: at)
            case (nil, nil):
                break
            }
        }
    }

    public var count: Int { members.count }

    /// Key/value pairs in order.
    public var pairs: [(key: String, value: JSONValue)] {
        zip(members.keys, values).map { (key: $0, value: $1) }
    }
}
