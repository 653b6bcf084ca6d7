/// Reads one scalar as the type asked for, by the format's rules (`DecodableTree`'s scalar values).
struct TreeSingleValueDecodingContainer: SingleValueDecodingContainer {
    let node: TreeNode
    let codingPath: [any CodingKey]
    let state: TreeDecodingState

    private var decoder: TreeDecoder { TreeDecoder(node: node, codingPath: codingPath, state: state) }

    func decodeNil() -> Bool { node.isNull }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard let flag = node.boolValue else { throw decoder.mismatch(state.format.vocabulary.boolean, type) }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard let text = node.stringValue else { throw decoder.mismatch("a string", type) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let number = node.doubleValue else { throw decoder.mismatch("a number", type) }
        return number
    }

    /// Infinities and NaN (YAML's `.inf`, `.nan`; JSON has none) stay what they are.
    func decode(_ type: Float.Type) throws -> Float {
        let number = try decode(Double.self)
        guard number.isNaN || number.isInfinite || abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "number \(number) is out of range"))
        }
        return Float(number)
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch node.integerValue(type) {
        case .exact(let number):
            return number
        case .outOfRange(let found):
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath, debugDescription: "expected an integer between \(T.min) and \(T.max), found \(found)"))
        case .fractional(let found):
            throw DecodingError.typeMismatch(
                type,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected an integer, found \(found)"))
        case .notAnInteger:
            throw decoder.mismatch("an integer", type)
        }
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
        try TreeDecoder.decode(type, from: node, at: codingPath, state: state)
    }
}
