import CJansson
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Owns one reference to a jansson `json_t` parsed from bytes, and converts it to `JSONValue` (writing
/// is `JSONWriter`'s).
final class JanssonValue {
    let handle: UnsafeMutablePointer<json_t>

    /// Takes over a new reference (jansson's `*_new`/`json_loadb` results).
    init(owning handle: UnsafeMutablePointer<json_t>) {
        self.handle = handle
    }

    deinit {
        joblet_json_decref(handle)
    }

    /// Parses with jansson; errors carry jansson's line and column.
    static func parse(_ bytes: [UInt8], maxBytes: Int) throws -> JanssonValue {
        guard bytes.count <= maxBytes else {
            throw JobletError(.invalidJSON, "JSON document of \(bytes.count) bytes is larger than the limit of \(maxBytes)")
        }
        var error = json_error_t()
        let flags = JSON_DECODE_ANY | JSON_REJECT_DUPLICATES
        let parsed = bytes.withUnsafeBytes { raw in
            raw.withMemoryRebound(to: CChar.self) { json_loadb($0.baseAddress, $0.count, Int(flags), &error) }
        }
        guard let parsed else {
            let text = withUnsafePointer(to: &error.text) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(JSON_ERROR_TEXT_LENGTH)) { String(cString: $0) }
            }
            throw JobletError(.invalidJSON, "invalid JSON at line \(error.line), column \(error.column): \(text)")
        }
        return JanssonValue(owning: parsed)
    }

    /// The value as a Swift tree; nesting deeper than `maxDepth` is refused.
    func value(maxDepth: Int) throws -> JSONValue {
        try Self.convert(handle, depth: 1, maxDepth: maxDepth)
    }

    private static func convert(_ json: UnsafeMutablePointer<json_t>, depth: Int, maxDepth: Int) throws -> JSONValue {
        guard depth <= maxDepth else {
            throw JobletError(.invalidJSON, "JSON nested deeper than \(maxDepth) levels")
        }
        switch json_type(rawValue: UInt32(joblet_json_typeof(json))) {
        case JSON_NULL: return .null
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        case JSON_INTEGER: return .int(Int64(json_integer_value(json)))
        case JSON_REAL: return .double(json_real_value(json))
        case JSON_STRING:
            let count = json_string_length(json)
            guard let start = json_string_value(json) else { return .string("") }
            return .string(
                start.withMemoryRebound(to: UInt8.self, capacity: count) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
                })
        case JSON_ARRAY:
            var items: [JSONValue] = []
            let count = json_array_size(json)
            items.reserveCapacity(count)
            for index in 0..<count {
                guard let item = json_array_get(json, index) else { continue }
                items.append(try convert(item, depth: depth + 1, maxDepth: maxDepth))
            }
            return .array(items)
        default:
            var object = JSONObject()
            var iterator = json_object_iter(json)
            while let current = iterator {
                guard let keyPointer = json_object_iter_key(current), let item = json_object_iter_value(current) else { break }
                let keyLength = json_object_iter_key_len(current)
                let key = keyPointer.withMemoryRebound(to: UInt8.self, capacity: keyLength) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: keyLength), as: UTF8.self)
                }
                object[key] = try convert(item, depth: depth + 1, maxDepth: maxDepth)
                iterator = json_object_iter_next(json, current)
            }
            return .object(object)
        }
    }
}
