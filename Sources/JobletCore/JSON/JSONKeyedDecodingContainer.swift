/// Reads object members; records each key asked for so the rest can be rejected as unknown.
struct JSONKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let use: JSONDecodingState.KeyUse
    let codingPath: [any CodingKey]
    let state: JSONDecodingState

    var allKeys: [Key] {
        use.askedForAll = true
        return object.keys.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        use.ask(key.stringValue)
        return object[key.stringValue] != nil
    }

    private func value(for key: Key) throws -> JSONValue {
        use.ask(key.stringValue)
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing required field"))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        use.ask(key.stringValue)
        return (object[key.stringValue] ?? .null) == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try JSONValueDecoder.decode(type, from: try value(for: key), at: codingPath + [key], state: state)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try JSONValueDecoder(value: try value(for: key), codingPath: codingPath + [key], state: state).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONValueDecoder(value: try value(for: key), codingPath: codingPath + [key], state: state).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        use.ask("super")
        return JSONValueDecoder(value: object["super"] ?? .null,
                                codingPath: codingPath + [CodingPathKey(stringValue: "super")], state: state)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        use.ask(key.stringValue)
        return JSONValueDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key], state: state)
    }
}
