/// Reads the elements of a sequence in order; paths name the index (`command[2]`).
struct TreeUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let elements: TreeElements
    let codingPath: [any CodingKey]
    let state: TreeDecodingState
    private(set) var currentIndex = 0

    init(elements: TreeElements, codingPath: [any CodingKey], state: TreeDecodingState) {
        self.elements = elements
        self.codingPath = codingPath
        self.state = state
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var currentPath: [any CodingKey] { codingPath + [CodingPathKey(index: currentIndex)] }

    private func current(_ type: Any.Type) throws -> TreeNode {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected at least \(currentIndex + 1) \(state.format.vocabulary.elements), found \(elements.count)"))
        }
        return elements[currentIndex]
    }

    private func currentDecoder(_ type: Any.Type) throws -> TreeDecoder {
        TreeDecoder(node: try current(type), codingPath: currentPath, state: state)
    }

    mutating func decodeNil() throws -> Bool {
        guard try current(Never.self).isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try TreeDecoder.decode(type, from: try current(type), at: currentPath, state: state)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try currentDecoder(type).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try currentDecoder([TreeNode].self).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = try currentDecoder(TreeNode.self)
        currentIndex += 1
        return decoder
    }
}
