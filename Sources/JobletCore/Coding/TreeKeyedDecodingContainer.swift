/// Reads the members of a mapping; records each key asked for so the format can deal with the rest.
struct TreeKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let mapping: TreeMapping
    let use: TreeDecodingState.KeyUse
    let codingPath: [any CodingKey]
    let state: TreeDecodingState

    var allKeys: [Key] {
        use.askedForAll = true
        return mapping.keys.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        use.ask(key.stringValue)
        return mapping.value(forKey: key.stringValue) != nil
    }

    private func value(for key: Key) throws -> TreeNode {
        use.ask(key.stringValue)
        guard let value = mapping.value(forKey: key.stringValue) else {
            throw DecodingError.keyNotFound(
                key,
                .init(
                    codingPath: codingPath,
                    debugDescription: state.format.vocabulary.missingKey(key.stringValue)))
        }
        return value
    }

    private func decoder(for key: some CodingKey, value: TreeNode) -> TreeDecoder {
        TreeDecoder(node: value, codingPath: codingPath + [key], state: state)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        use.ask(key.stringValue)
        return mapping.value(forKey: key.stringValue)?.isNull ?? true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try TreeDecoder.decode(type, from: try value(for: key), at: codingPath + [key], state: state)
    }

    /// One lookup instead of the default's three (`contains`, `decodeNil`, `decode`), same result:
    /// every optional member of every message comes through here.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        use.ask(key.stringValue)
        guard let value = mapping.value(forKey: key.stringValue), !value.isNull else { return nil }
        return try TreeDecoder.decode(type, from: value, at: codingPath + [key], state: state)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key, value: try value(for: key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key, value: try value(for: key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        try superDecoder(for: CodingPathKey(stringValue: "super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try superDecoder(for: key)
    }

    /// An absent member reads as null rather than failing: the `Decodable` decides whether that is fine.
    private func superDecoder(for key: some CodingKey) throws -> any Decoder {
        use.ask(key.stringValue)
        return decoder(for: key, value: mapping.value(forKey: key.stringValue) ?? mapping.absentValue)
    }
}
