/// A duration written the way people write it: `90s`, `10m`, `1h30m`, `500ms`, or a number of seconds.
///
/// Encoded as a number of seconds; decoded from a number or a string.
public struct JobDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    public static let acceptedForms = "a duration like \"90s\", \"10m\", \"1h30m\", \"500ms\" or a number of seconds"

    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace().lowercased()
        if let plain = Double(trimmed), plain >= 0, plain.isFinite {
            self.seconds = plain
            return
        }
        var total = 0.0
        var number = ""
        var unit = ""
        var sawComponent = false
        func flush() -> Bool {
            guard let value = Double(number), let factor = JobDuration.factor(unit) else { return false }
            total += value * factor
            number = ""
            unit = ""
            sawComponent = true
            return true
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty, !flush() { break }
                number.append(character)
            } else if character.isLetter {
                unit.append(character)
            } else {
                number = "invalid"
                break
            }
        }
        guard !number.isEmpty, flush(), sawComponent, total.isFinite else {
            throw JobletError(.invalidArgument, "invalid duration \"\(text)\": expected \(JobDuration.acceptedForms)")
        }
        self.seconds = total
    }

    private static func factor(_ unit: String) -> Double? {
        switch unit {
        case "ms": return 0.001
        case "s", "sec", "": return 1
        case "m", "min": return 60
        case "h": return 3600
        case "d": return 86400
        default: return nil
        }
    }

    public static func < (lhs: JobDuration, rhs: JobDuration) -> Bool { lhs.seconds < rhs.seconds }

    public var description: String {
        // Values from the wire may be huge (1e300): never trap converting them.
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "\(seconds)s" }
        let whole = Int(seconds)
        if Double(whole) != seconds { return "\(seconds)s" }
        if whole >= 3600, whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole >= 60, whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            guard number >= 0, number.isFinite else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected \(JobDuration.acceptedForms)")
            }
            self.seconds = number
            return
        }
        guard let text = try? container.decode(String.self), let parsed = try? JobDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected \(JobDuration.acceptedForms)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }
}
