import CJansson
import TestSupport
import Testing

@testable import JobletCore

/// jansson's own writer, kept here as the oracle `JSONWriter` is held to (the product writes without it).
extension JanssonValue {
    /// Builds a jansson tree for `value`.
    convenience init(building value: JSONValue) throws {
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

    /// `json_dumpb` with one precision (1...17 significant digits) for every double of the tree.
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

/// `JSONWriter` writes what jansson's `json_dumpb` wrote before it, byte for byte: clients and stored
/// rows see the same text.
@Suite struct JSONWriterMatchesJanssonTests {
    @Test func randomDocumentsWithoutDoubles() throws {
        var generator = SplitMix(seed: 0x4a6f_626c_6574)
        for _ in 0..<2_000 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let jansson = try JanssonValue(building: value).serialized(realPrecision: 17)
            #expect(try JSONCodec.serialize(value) == jansson, "\(value)")
        }
    }

    /// One double per document, jansson at the fewest digits that read it back in the same notation
    /// (100.0, not 1e2; the precision the old writer computed): the same text.
    @Test(arguments: [
        0.1, 100.0, 1e-05, 123.456, -12.5, 0.30000000000000004, 1_764_620_000.123456, 1e+20, 0.0, -0.0,
        Double.leastNonzeroMagnitude, 1.7976931348623157e308, 1e16, 123_456_789_012.0, 2.5e-7, 9_007_199_254_740_993.0,
    ])
    func doublesAtTheirShortestPrecision(number: Double) throws {
        let precision = try (1...17).first { digits in
            let text = String(decoding: try JanssonValue(building: .double(number)).serialized(realPrecision: digits), as: UTF8.self)
            return Double(text) == number && text.contains("e") == number.description.contains("e")
        }
        let jansson = try JanssonValue(building: .double(number)).serialized(realPrecision: precision ?? 17)
        #expect(try JSONCodec.serialize(.double(number)) == jansson)
    }

    static func randomValue(depth: Int, using generator: inout SplitMix) -> JSONValue {
        let kind = depth >= 4 ? generator.next() % 4 : generator.next() % 6
        switch kind {
        case 0: return .null
        case 1: return .bool(generator.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: generator.next()) >> (generator.next() % 64))
        case 3: return .string(randomString(using: &generator))
        case 4: return .array((0..<Int(generator.next() % 5)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var object = JSONObject()
            for _ in 0..<Int(generator.next() % 5) {
                object[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    /// Quotes, backslashes, every control character, slashes, multi-byte and astral characters.
    static func randomString(using generator: inout SplitMix) -> String {
        let pieces: [String] =
            ["a", "Z", "0", " ", "\"", "\\", "/", "é", "€", "𝄞", "\u{7F}", "\u{2028}", "{", "]"]
            + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        return (0..<Int(generator.next() % 12)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
    }
}
