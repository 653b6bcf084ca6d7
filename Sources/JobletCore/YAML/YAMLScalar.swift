/// How plain scalars read as booleans and numbers (YAML 1.1 style booleans, as people write configs).
enum YAMLScalar {
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    static func integer(_ text: String) -> Int64? {
        let cleaned = text.replacingAll("_", with: "")
        if cleaned.hasPrefix("0x") { return Int64(cleaned.dropFirst(2), radix: 16) }
        if cleaned.hasPrefix("0o") { return Int64(cleaned.dropFirst(2), radix: 8) }
        return Int64(cleaned)
    }

    static func unsignedInteger(_ text: String) -> UInt64? {
        let cleaned = text.replacingAll("_", with: "")
        if cleaned.hasPrefix("0x") { return UInt64(cleaned.dropFirst(2), radix: 16) }
        return UInt64(cleaned)
    }

    static func double(_ text: String) -> Double? {
        switch text.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default: break
        }
        // Swift's parser also takes "inf", "nan" and hex floats; YAML does not.
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
        if text.lowercased().contains("x") || text.lowercased().contains("n") { return nil }
        return Double(text.replacingAll("_", with: ""))
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
