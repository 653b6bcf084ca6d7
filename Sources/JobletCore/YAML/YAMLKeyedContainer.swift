/// Reads a YAML mapping; records every key asked for so the others can be reported as unknown.
struct YAMLKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let pairs: [(key: String, value: YAMLNode)]
    let use: YAMLDecodingState.KeyUse
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState

    var allKeys: [Key] {
        use.askedForAll = true
        return pairs.compactMap { Key(stringValue: $0.key) }
    }

    func contains(_ key: Key) -> Bool {
        use.asked.insert(key.stringValue)
        return pairs.contains { $0.key == key.stringValue }
    }

    private func value(for key: Key, _ type: Any.Type) throws -> YAMLNode {
        use.asked.insert(key.stringValue)
        guard let node = pairs.first(where: { $0.key == key.stringValue })?.value else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath,
                                                       debugDescription: "missing required key '\(key.stringValue)'"))
        }
        return node
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        use.asked.insert(key.stringValue)
        guard let node = pairs.first(where: { $0.key == key.stringValue })?.value else { return true }
        if case .null = node { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try YAMLNodeDecoder.decode(type, from: try value(for: key, type), at: codingPath + [key], state: state)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try YAMLNodeDecoder(node: try value(for: key, type), codingPath: codingPath + [key], state: state)
            .container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try YAMLNodeDecoder(node: try value(for: key, [YAMLNode].self), codingPath: codingPath + [key], state: state)
            .unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        let key = CodingPathKey(stringValue: "super")
        use.asked.insert(key.stringValue)
        let node = pairs.first(where: { $0.key == key.stringValue })?.value ?? .null(use.mark)
        return YAMLNodeDecoder(node: node, codingPath: codingPath + [key], state: state)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        use.asked.insert(key.stringValue)
        let node = pairs.first(where: { $0.key == key.stringValue })?.value ?? .null(use.mark)
        return YAMLNodeDecoder(node: node, codingPath: codingPath + [key], state: state)
    }
}
