/// Compact JSON text, written straight into bytes: what `json_dumpb(JSON_COMPACT | JSON_PRESERVE_ORDER)`
/// writes, except that each double gets the fewest digits that read back exactly (jansson prints every
/// double of a document with one precision, so a 17-digit time turned 0.1 into 0.10000000000000001).
/// Building a jansson tree to print it was a third of every encode in the dispatcher's profile.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ value: JSONValue) throws {
        switch value {
        case .null: writeNull()
        case .bool(let flag): write(flag)
        case .int(let number): write(number)
        case .double(let number): try write(number)
        case .string(let text): write(text)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, pair) in object.pairs.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeKey(pair.key)
                try write(pair.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    mutating func writeNull() { bytes.append(contentsOf: "null".utf8) }

    mutating func write(_ flag: Bool) { bytes.append(contentsOf: (flag ? "true" : "false").utf8) }

    mutating func write(_ number: Int64) { bytes.append(contentsOf: String(number).utf8) }

    /// Swift's shortest round-trip digits in jansson's shape: a `.0` when there is no point or exponent
    /// (so it reads back as a double), and an exponent without `+` or leading zeros (`1e300`, `1e-5`).
    mutating func write(_ number: Double) throws {
        guard number.isFinite else { throw JobletError(.invalidJSON, "\(number) is not a JSON number") }
        let text = number.description.utf8
        guard let exponent = text.firstIndex(of: UInt8(ascii: "e")) else {
            bytes.append(contentsOf: text)
            if !text.contains(UInt8(ascii: ".")) { bytes.append(contentsOf: ".0".utf8) }
            return
        }
        bytes.append(contentsOf: text[...exponent])
        var digits = text[text.index(after: exponent)...]
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            if sign == UInt8(ascii: "-") { bytes.append(sign) }
            digits = digits.dropFirst()
        }
        let significant = digits.drop(while: { $0 == UInt8(ascii: "0") })
        bytes.append(contentsOf: significant.isEmpty ? digits.suffix(1) : significant)
    }

    /// A string with jansson's escapes: `"`, `\` and control characters; everything else as UTF-8.
    mutating func write(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: utf8[start..<index])
                appendEscape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: utf8[start...])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `"key":`
    mutating func writeKey(_ key: String) {
        write(key)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// Upper-case, as jansson writes `\u001F`.
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(contentsOf: "u00".utf8)
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
    }
}
