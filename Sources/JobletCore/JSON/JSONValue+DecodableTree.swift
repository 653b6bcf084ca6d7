/// JSON's rules for the shared tree decoder: only `true`/`false` are booleans, only strings are
/// strings, integers are exact (a double reads as an integer only when it has no fraction).
extension JSONValue: DecodableTree {
    static var errorCode: JobletError.Code { .invalidJSON }
    static let vocabulary = TreeVocabulary(
        mapping: "an object", sequence: "an array", boolean: "a boolean",
        elements: "elements", missingKey: { _ in "missing required field" })

    /// The JSON type name: `null`, `boolean`, `number`, `string`, `array`, `object`.
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    var mapping: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    var elements: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var doubleValue: Double? {
        switch self {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: return nil
        }
    }

    func integerValue<T: FixedWidthInteger>(_ type: T.Type) -> TreeInteger<T> {
        switch self {
        case .int(let number):
            return T(exactly: number).map { .exact($0) } ?? .outOfRange(found: "\(number)")
        case .double(let number):
            guard number.rounded() == number, number.isFinite else { return .fractional(found: "\(number)") }
            return T(exactly: number).map { .exact($0) } ?? .outOfRange(found: "\(number)")
        default:
            return .notAnInteger
        }
    }
}

extension JSONObject: DecodableTreeMapping {
    func value(forKey key: String) -> JSONValue? { self[key] }
    var absentValue: JSONValue { .null }
}
