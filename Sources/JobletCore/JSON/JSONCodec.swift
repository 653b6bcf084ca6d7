/// The wire codec: JSON over jansson with strict, path-naming decoding errors.
///
/// Every decoding error is `JobletError(.invalidJSON)` whose message starts with the field path:
/// `command[2]: expected a string, found number`, `job_id: missing required field`,
/// `limits.memroy: unknown field (known: memory, cpu_percent)`.
public enum JSONCodec {
    /// Larger documents are refused before parsing.
    public static let maxDocumentBytes = 64 << 20
    /// Deeper nesting is refused.
    public static let maxDepth = 64

    /// Compact UTF-8; object keys in declaration order (dictionary keys sorted); nil optionals omitted;
    /// each double with the fewest digits that read back exactly.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let node = JSONEncodingNode()
        do {
            try JSONValueEncoder.encode(value, into: node, at: [])
        } catch let error as EncodingError {
            if case .invalidValue(_, let context) = error {
                throw JobletError(.invalidJSON, "\(context.codingPath.renderedPrefix)\(context.debugDescription)")
            }
            throw JobletError(.invalidJSON, "\(error)")
        }
        var writer = JSONWriter()
        try node.write(into: &writer)
        return writer.bytes
    }

    /// Decodes strictly: wrong types, missing fields and (when `rejectUnknownKeys`) members the type
    /// does not ask for are errors. Optionals accept an absent member or null.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], rejectUnknownKeys: Bool = true) throws -> T {
        let value = try parse(bytes)
        let state = TreeDecodingState(format: .json)
        do {
            let decoded = try TreeDecoder.decode(type, from: .json(value), at: [], state: state)
            if rejectUnknownKeys { try JSONDecodingErrors.rejectUnknownKeys(state.uses) }
            return decoded
        } catch {
            throw JSONDecodingErrors.userError(error)
        }
    }

    /// Parses any JSON value; syntax errors say `invalid JSON at line L, column C: …`.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try JanssonValue.parse(bytes, maxBytes: maxDocumentBytes).value(maxDepth: maxDepth)
    }

    /// Compact UTF-8 text of `value`; each double with the fewest digits that read back exactly;
    /// non-finite doubles are refused.
    public static func serialize(_ value: JSONValue) throws -> [UInt8] {
        var writer = JSONWriter()
        try writer.write(value)
        return writer.bytes
    }
}
