/// A size in bytes, parsed from the forms people write: `512M`, `1.5G`, `256MB`, `10MiB`, `1024`.
///
/// Units are binary (K = 1024). Encoded as a plain integer of bytes; decoded from either an
/// integer or a string, so foreign services can send whichever is natural to them.
public struct ByteSize: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    /// The accepted forms, quoted in every parse error.
    public static let acceptedForms = "a size like \"512M\", \"1.5G\", \"256MB\" or a number of bytes"

    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace()
        var digitsEnd = trimmed.startIndex
        while digitsEnd < trimmed.endIndex, trimmed[digitsEnd].isNumber || trimmed[digitsEnd] == "." {
            digitsEnd = trimmed.index(after: digitsEnd)
        }
        let number = trimmed[..<digitsEnd]
        let unit = trimmed[digitsEnd...].uppercased().trimmingWhitespace()
        guard let value = Double(number), value >= 0, value.isFinite,
            let multiplier = ByteSize.multiplier(forUnit: unit)
        else {
            throw JobletError(.invalidArgument, "invalid size \"\(text)\": expected \(ByteSize.acceptedForms)")
        }
        let total = value * Double(multiplier)
        guard total < Double(Int64.max) else {
            throw JobletError(.invalidArgument, "size \"\(text)\" is too large")
        }
        self.bytes = Int64(total.rounded())
    }

    private static func multiplier(forUnit unit: String) -> Int64? {
        switch unit {
        case "", "B": return 1
        case "K", "KB", "KIB": return 1 << 10
        case "M", "MB", "MIB": return 1 << 20
        case "G", "GB", "GIB": return 1 << 30
        case "T", "TB", "TIB": return 1 << 40
        default: return nil
        }
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    /// Human form with the largest exact-enough unit: `512M`, `1.5G`, `300` (bytes).
    public var description: String {
        let units: [(String, Int64)] = [("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        for (name, size) in units where bytes >= size {
            let value = Double(bytes) / Double(size)
            if value == value.rounded() { return "\(Int64(value))\(name)" }
            return "\((value * 10).rounded() / 10)\(name)"
        }
        return "\(bytes)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int64.self) {
            guard integer >= 0 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected \(ByteSize.acceptedForms)")
            }
            self.bytes = integer
            return
        }
        guard let text = try? container.decode(String.self), let parsed = try? ByteSize(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected \(ByteSize.acceptedForms)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
