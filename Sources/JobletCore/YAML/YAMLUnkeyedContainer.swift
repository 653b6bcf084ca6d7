/// Reads a YAML sequence item by item; paths name the index (`mounts[2]`).
struct YAMLUnkeyedContainer: UnkeyedDecodingContainer {
    let items: [YAMLNode]
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState
    private(set) var currentIndex = 0

    init(items: [YAMLNode], codingPath: [any CodingKey], state: YAMLDecodingState) {
        self.items = items
        self.codingPath = codingPath
        self.state = state
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private var currentPath: [any CodingKey] { codingPath + [CodingPathKey(index: currentIndex)] }

    private func current(_ type: Any.Type) throws -> YAMLNode {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(
                codingPath: codingPath, debugDescription: "expected at least \(currentIndex + 1) items, found \(items.count)"))
        }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        if case .null = try current(Never.self) {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try YAMLNodeDecoder.decode(type, from: try current(type), at: currentPath, state: state)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let decoder = YAMLNodeDecoder(node: try current(type), codingPath: currentPath, state: state)
        let container = try decoder.container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let decoder = YAMLNodeDecoder(node: try current([YAMLNode].self), codingPath: currentPath, state: state)
        let container = try decoder.unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = YAMLNodeDecoder(node: try current(YAMLNode.self), codingPath: currentPath, state: state)
        currentIndex += 1
        return decoder
    }
}
