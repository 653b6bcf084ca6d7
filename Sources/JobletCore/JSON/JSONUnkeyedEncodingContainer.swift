/// Appends array elements.
struct JSONUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.arrayChildren?.count ?? 0 }

    private var nextPath: [any CodingKey] { codingPath + [CodingPathKey(index: count)] }

    mutating func encodeNil() throws { node.appendChild().scalar = .null }

    // Strings (a command's argv) straight into their node, as in the keyed container.
    mutating func encode(_ value: String) throws { node.appendChild().scalar = .string(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try JSONValueEncoder.encode(value, into: node.appendChild(), at: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return JSONValueEncoder(node: node.appendChild(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return JSONValueEncoder(node: node.appendChild(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return JSONValueEncoder(node: node.appendChild(), codingPath: path)
    }
}
