/// A `Decoder` over one node of a parsed JSON or YAML document: strict (no numbers as booleans, no
/// strings as numbers, integer widths checked) and naming the path and what it found in every error.
struct TreeDecoder: Decoder {
    let node: TreeNode
    let codingPath: [any CodingKey]
    let state: TreeDecodingState
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let mapping = node.mapping else { throw mismatch(state.format.vocabulary.mapping, Key.self) }
        let use = state.keyUse(mapping: mapping, path: codingPath)
        return KeyedDecodingContainer(
            TreeKeyedDecodingContainer<Key>(
                mapping: mapping, use: use, codingPath: codingPath, state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let elements = node.elements else { throw mismatch(state.format.vocabulary.sequence, [TreeNode].self) }
        return TreeUnkeyedDecodingContainer(elements: elements, codingPath: codingPath, state: state)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        TreeSingleValueDecodingContainer(node: node, codingPath: codingPath, state: state)
    }

    /// `expected …, found <kind>`; null becomes `valueNotFound`.
    func mismatch(_ expected: String, _ type: Any.Type) -> DecodingError {
        let context = DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "expected \(expected), found \(node.kindDescription)")
        if node.isNull { return .valueNotFound(type, context) }
        return .typeMismatch(type, context)
    }

    /// Decodes a child; errors other than `DecodingError` thrown by its `init(from:)` get its path.
    static func decode<T: Decodable>(
        _ type: T.Type, from node: TreeNode, at path: [any CodingKey],
        state: TreeDecodingState
    ) throws -> T {
        // A field of the node type itself (free-form JSON metadata) is taken as it is.
        if T.self == JSONValue.self, case .json(let value) = node, let same = value as? T { return same }
        do {
            return try T(from: TreeDecoder(node: node, codingPath: path, state: state))
        } catch let error as DecodingError {
            throw error
        } catch let error as JobletError where error.code == state.format.errorCode {
            throw error
        } catch let error as JobletError {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: error.message))
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(error)"))
        }
    }
}
