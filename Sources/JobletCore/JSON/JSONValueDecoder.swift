/// A `Decoder` over one `JSONValue`.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let state: JSONDecodingState
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw mismatch("an object", Key.self) }
        let use = state.keyUse(object: object, path: codingPath)
        return KeyedDecodingContainer(JSONKeyedDecodingContainer<Key>(object: object, use: use, codingPath: codingPath, state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch("an array", [JSONValue].self) }
        return JSONUnkeyedDecodingContainer(items: items, codingPath: codingPath, state: state)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleValueDecodingContainer(value: value, codingPath: codingPath, state: state)
    }

    /// `expected …, found <json type>`; null becomes `valueNotFound`.
    func mismatch(_ expected: String, _ type: Any.Type) -> DecodingError {
        let context = DecodingError.Context(codingPath: codingPath,
                                            debugDescription: "expected \(expected), found \(value.kindName)")
        if case .null = value { return .valueNotFound(type, context) }
        return .typeMismatch(type, context)
    }

    /// Decodes a child; errors other than `DecodingError` thrown by its `init(from:)` get its path.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: [any CodingKey],
                                     state: JSONDecodingState) throws -> T {
        if T.self == JSONValue.self, let same = value as? T { return same }
        do {
            return try T(from: JSONValueDecoder(value: value, codingPath: path, state: state))
        } catch let error as DecodingError {
            throw error
        } catch let error as JobletError where error.code == .invalidJSON {
            throw error
        } catch let error as JobletError {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: error.message))
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(error)"))
        }
    }
}
