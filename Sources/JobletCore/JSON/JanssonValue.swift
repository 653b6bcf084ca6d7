import CJansson
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Owns one reference to a jansson `json_t` and converts between it and `JSONValue`.
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

    /// Builds a jansson tree for `value`.
    convenience init(_ value: JSONValue) throws {
        try self.init(owning: Self.build(value))
    }

    private static func build(_ value: JSONValue) throws -> UnsafeMutablePointer<json_t> {
        let built: UnsafeMutablePointer<json_t>?
        switch value {
        case .null: built = json_null()
        case .bool(let flag): built = flag ? json_true() : json_false()
        case .int(let number): built = json_integer(json_int_t(number))
        case .double(let number):
            guard number.isFinite else {
                throw JobletError(.invalidJSON, "cannot write \(number) as JSON: only finite numbers exist in JSON")
            }
            built = json_real(number)
        case .string(let text):
            var text = text
            built = text.withUTF8 { utf8 in
                utf8.withMemoryRebound(to: CChar.self) { json_stringn($0.baseAddress, $0.count) }
            }
        case .array(let items):
            guard let array = json_array() else { throw outOfMemory() }
            for item in items {
                let child = try build(item)
                guard json_array_append_new(array, child) == 0 else {
                    joblet_json_decref(array)
                    throw outOfMemory()
                }
            }
            built = array
        case .object(let object):
            guard let container = json_object() else { throw outOfMemory() }
            for (key, item) in object.pairs {
                let child: UnsafeMutablePointer<json_t>
                do { child = try build(item) } catch {
                    joblet_json_decref(container)
                    throw error
                }
                var key = key
                let status = key.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) { json_object_setn_new(container, $0.baseAddress, $0.count, child) }
                }
                guard status == 0 else {
                    joblet_json_decref(container)
                    throw JobletError(.invalidJSON, "cannot write object key \"\(key)\" as JSON")
                }
            }
            built = container
        }
        guard let built else { throw outOfMemory() }
        return built
    }

    private static func outOfMemory() -> JobletError {
        JobletError(.system, "jansson could not allocate a JSON value (out of memory)")
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

    /// Compact UTF-8 text; doubles use the fewest digits that read back exactly.
    func serialized(realPrecision: Int) throws -> [UInt8] {
        let flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | ((Int32(realPrecision) & 0x1F) << 11)
        let size = json_dumpb(handle, nil, 0, Int(flags))
        guard size > 0 else { throw JobletError(.invalidJSON, "jansson could not serialise the value") }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBytes { raw in
            raw.withMemoryRebound(to: CChar.self) { json_dumpb(handle, $0.baseAddress, $0.count, Int(flags)) }
        }
        guard written == size else { throw JobletError(.invalidJSON, "jansson could not serialise the value") }
        return bytes
    }
}
