/// Reads one scalar as the type asked for: a quoted scalar is always a string, a plain one is
/// converted (`true`/`yes`, integers, floats) and its exact text is kept when a string is wanted.
struct YAMLSingleValueContainer: SingleValueDecodingContainer {
    let node: YAMLNode
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState

    private var decoder: YAMLNodeDecoder { YAMLNodeDecoder(node: node, codingPath: codingPath, state: state) }

    func decodeNil() -> Bool {
        if case .null = node { return true }
        return false
    }

    private func plainText(_ expected: String, _ type: Any.Type) throws -> String {
        guard case .scalar(let text, _, let quoted) = node, !quoted else {
            throw decoder.mismatch(expected, type)
        }
        return text
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard let value = YAMLScalar.bool(try plainText("a boolean (true or false)", type)) else {
            throw decoder.mismatch("a boolean (true or false)", type)
        }
        return value
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .scalar(let text, _, _) = node else { throw decoder.mismatch("a string", type) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let value = YAMLScalar.double(try plainText("a number", type)) else {
            throw decoder.mismatch("a number", type)
        }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float {
        let value = try decode(Double.self)
        guard value.isNaN || value.isInfinite || abs(value) <= Double(Float.greatestFiniteMagnitude) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "number \(value) is out of range"))
        }
        return Float(value)
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let text = try plainText("an integer", type)
        let value: T?
        if T.isSigned {
            value = YAMLScalar.integer(text).flatMap { T(exactly: $0) }
        } else {
            value = YAMLScalar.unsignedInteger(text).flatMap { T(exactly: $0) }
        }
        guard let value else {
            if YAMLScalar.integer(text) != nil || YAMLScalar.unsignedInteger(text) != nil {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: codingPath,
                    debugDescription: "expected an integer between \(T.min) and \(T.max), found \(text)"))
            }
            throw decoder.mismatch("an integer", type)
        }
        return value
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try YAMLNodeDecoder.decode(type, from: node, at: codingPath, state: state)
    }
}
