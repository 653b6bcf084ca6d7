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

    /// Digits in Swift's shortest round-trip rendering of `number`.
    private static func significantDigits(_ number: Double) -> Int {
        let text = "\(number)"
        let mantissa = text.split(separator: "e").first ?? Substring(text)
        var digits = Array(mantissa.filter(\.isNumber))
        while digits.first == "0" { digits.removeFirst() }
        while digits.last == "0" { digits.removeLast() }
        // Whole digits too, so 100.0 prints as 100.0 and not 1e+02.
        var whole = 0
        if !text.contains("e") {
            whole = (text.split(separator: ".").first ?? "").filter(\.isNumber).drop(while: { $0 == "0" }).count
        }
        return min(17, max(1, digits.count, whole))
    }
}
