/// Reads one JSON value strictly: no numbers as booleans, no strings as numbers, widths checked.
struct JSONSingleValueDecodingContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let state: JSONDecodingState

    private var decoder: JSONValueDecoder { JSONValueDecoder(value: value, codingPath: codingPath, state: state) }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw decoder.mismatch("a boolean", type) }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw decoder.mismatch("a string", type) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: throw decoder.mismatch("a number", type)
        }
    }

    func decode(_ type: Float.Type) throws -> Float {
        let number = try decode(Double.self)
        guard abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "number \(number) is out of range"))
        }
        return Float(number)
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch value {
        case .int(let number):
            if let exact = T(exactly: number) { return exact }
            throw outOfRange(T.self, "\(number)")
        case .double(let number):
            guard number.rounded() == number, number.isFinite else {
                throw DecodingError.typeMismatch(type, .init(codingPath: codingPath,
                                                             debugDescription: "expected an integer, found \(number)"))
            }
            if let exact = T(exactly: number) { return exact }
            throw outOfRange(T.self, "\(number)")
        default:
            throw decoder.mismatch("an integer", type)
        }
    }

    private func outOfRange<T: FixedWidthInteger>(_ type: T.Type, _ found: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath,
                             debugDescription: "expected an integer between \(T.min) and \(T.max), found \(found)"))
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
        try JSONValueDecoder.decode(type, from: value, at: codingPath, state: state)
    }
}
