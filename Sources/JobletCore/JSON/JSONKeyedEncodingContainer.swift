/// Writes object members in the order they are encoded (declaration order for synthesized code).
struct JSONKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        node.child(forKey: key.stringValue).scalar = .null
    }

    // The common scalars straight into their node: the generic path builds the field's coding path
    // and casts the value for every field, which was most of an encode in the dispatcher's profile.
    mutating func encode(_ value: String, forKey key: Key) throws { node.child(forKey: key.stringValue).scalar = .string(value) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.child(forKey: key.stringValue).scalar = .bool(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try set(JSONValueEncoder.integer(value, at: codingPath + [key]), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try set(JSONValueEncoder.integer(value, at: codingPath + [key]), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try set(JSONValueEncoder.integer(value, at: codingPath + [key]), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try set(JSONValueEncoder.integer(value, at: codingPath + [key]), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try set(JSONValueEncoder.integer(value, at: codingPath + [key]), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try set(JSONValueEncoder.integer(value, at: codingPath + [key]), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try set(JSONValueEncoder.double(value, at: codingPath + [key]), key) }

    private func set(_ value: JSONValue, _ key: Key) { node.child(forKey: key.stringValue).scalar = value }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try JSONValueEncoder.encode(value, into: node.child(forKey: key.stringValue), at: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        JSONValueEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONValueEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        JSONValueEncoder(node: node.child(forKey: "super"), codingPath: codingPath + [CodingPathKey(stringValue: "super")])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONValueEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}
