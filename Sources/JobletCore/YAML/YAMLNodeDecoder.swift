/// A `Decoder` over one node of a loaded YAML document.
struct YAMLNodeDecoder: Decoder {
    let node: YAMLNode
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let pairs, let mark) = node else {
            throw mismatch("a mapping", Key.self)
        }
        let use = state.keyUse(pairs: pairs, mark: mark, path: codingPath)
        return KeyedDecodingContainer(YAMLKeyedContainer<Key>(pairs: pairs, use: use, codingPath: codingPath, state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let items, _) = node else {
            throw mismatch("a list", [YAMLNode].self)
        }
        return YAMLUnkeyedContainer(items: items, codingPath: codingPath, state: state)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        YAMLSingleValueContainer(node: node, codingPath: codingPath, state: state)
    }

    func mismatch(_ expected: String, _ type: Any.Type) -> DecodingError {
        let context = DecodingError.Context(codingPath: codingPath,
                                            debugDescription: "expected \(expected), found \(node.kindDescription)")
        if case .null = node { return .valueNotFound(type, context) }
        return .typeMismatch(type, context)
    }

    /// Decodes a child value, turning non-`DecodingError`s thrown by its `init(from:)` into
    /// errors that carry this node's path.
    static func decode<T: Decodable>(_ type: T.Type, from node: YAMLNode, at path: [any CodingKey],
                                     state: YAMLDecodingState) throws -> T {
        let decoder = YAMLNodeDecoder(node: node, codingPath: path, state: state)
        do {
            return try T(from: decoder)
        } catch let error as DecodingError {
            throw error
        } catch let error as JobletError where error.code == .invalidYAML {
            throw error
        } catch let error as JobletError {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: error.message))
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(error)"))
        }
    }
}
