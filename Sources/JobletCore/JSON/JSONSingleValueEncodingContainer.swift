/// Writes one value into a node.
struct JSONSingleValueEncodingContainer: SingleValueEncodingContainer {
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.scalar = .null }
    mutating func encode(_ value: Bool) throws { node.scalar = .bool(value) }
    mutating func encode(_ value: String) throws { node.scalar = .string(value) }
    mutating func encode(_ value: Double) throws { node.scalar = try JSONValueEncoder.double(value, at: codingPath) }
    mutating func encode(_ value: Float) throws { node.scalar = try JSONValueEncoder.double(Double(value), at: codingPath) }
    mutating func encode(_ value: Int) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: Int8) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: Int16) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: Int32) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: Int64) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: UInt) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: UInt8) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: UInt16) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: UInt32) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }
    mutating func encode(_ value: UInt64) throws { node.scalar = try JSONValueEncoder.integer(value, at: codingPath) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try JSONValueEncoder.encode(value, into: node, at: codingPath)
    }
}
