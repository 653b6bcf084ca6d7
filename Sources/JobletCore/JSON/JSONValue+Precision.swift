extension JSONValue {
    /// Significant digits needed so every double in the tree reads back exactly (1...17);
    /// jansson prints all doubles with one precision, and 17 would turn 0.1 into 0.10000000000000001.
    var realPrecision: Int {
        switch self {
        case .double(let number): return Self.significantDigits(number)
        case .array(let items): return items.reduce(1) { max($0, $1.realPrecision) }
        case .object(let object): return object.pairs.reduce(1) { max($0, $1.value.realPrecision) }
        default: return 1
        }
    }

    /// Digits in Swift's shortest round-trip rendering of `number`: from its first to its last
    /// non-zero mantissa digit, and at least its whole digits (so 100.0 prints as 100.0, not 1e+02).
    /// Counted over the rendering's bytes: every double of every message goes through here.
    static func significantDigits(_ number: Double) -> Int {
        var first = -1, last = -1, index = 0
        var wholeDigits = 0, inWhole = true
        var hasExponent = false
        for byte in number.description.utf8 {
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { hasExponent = true; break }
            if byte == UInt8(ascii: ".") { inWhole = false; continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { continue }
            if byte != UInt8(ascii: "0") {
                if first < 0 { first = index }
                last = index
            }
            if inWhole, first >= 0 { wholeDigits += 1 }
            index += 1
        }
        let digits = first < 0 ? 0 : last - first + 1
        return min(17, max(1, digits, hasExponent ? 0 : wholeDigits))
    }
}
