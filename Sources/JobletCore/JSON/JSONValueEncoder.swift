import Synchronization

/// Which `CodingKey` types are the standard library's dictionary keys (whose members are sorted), by
/// type, remembered: asking for a type's name on every object showed in the dispatcher's profile.
enum DictionaryKeys {
    private static let known = Mutex<[ObjectIdentifier: Bool]>([:])

    static func isDictionaryKey<Key: CodingKey>(_ type: Key.Type) -> Bool {
        let id = ObjectIdentifier(type)
        if let answer = known.withLock({ $0[id] }) { return answer }
        let answer = String(describing: type).contains("DictionaryCodingKey")
        known.withLock { $0[id] = answer }
        return answer
    }
}

/// An `Encoder` producing a `JSONValue` tree; keys keep the order they are encoded in.
struct JSONValueEncoder: Encoder {
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.objectKeys == nil { node.objectKeys = JSONObjectKeys() }
        if DictionaryKeys.isDictionaryKey(Key.self) { node.sortKeys = true }
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.arrayChildren == nil { node.arrayChildren = [] }
        return JSONUnkeyedEncodingContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueEncodingContainer(node: node, codingPath: codingPath)
    }

    /// Encodes `value` into `node`; `JSONValue`s are stored as they are.
    static func encode<T: Encodable>(_ value: T, into node: JSONEncodingNode, at path: [any CodingKey]) throws {
        if let json = value as? JSONValue {
            node.scalar = json
            return
        }
        try value.encode(to: JSONValueEncoder(node: node, codingPath: path))
    }

    static func integer<T: BinaryInteger>(_ value: T, at path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
        guard let exact = Int64(exactly: value) else {
            throw EncodingError.invalidValue(
                value,
                .init(
                    codingPath: path(), debugDescription: "integer \(value) does not fit in a JSON 64-bit signed integer"))
        }
        return .int(exact)
    }

    static func double(_ value: Double, at path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value,
                .init(
                    codingPath: path(), debugDescription: "\(value) cannot be written as JSON (only finite numbers)"))
        }
        return .double(value)
    }
}
