/// Job ids: 32 lowercase hex characters from the kernel's random source. People use unique
/// prefixes (`rnx status 3f2a`); the hostname in the sandbox is `job-<first 8>`.
public enum JobID {
    public static func generate() -> String {
        // SystemRandomNumberGenerator reads getrandom(2) on Linux.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let digits: [Character] = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    public static func short(_ id: String) -> String { String(id.prefix(8)) }

    /// A whole job id as `generate` makes them: 32 ASCII lowercase hex digits, nothing else.
    public static func isComplete(_ text: String) -> Bool {
        isLowercaseHex(text, length: 32...32)
    }

    /// A string that can be (a prefix of) a job id: ASCII lowercase hex, 1-32 characters.
    public static func isPlausiblePrefix(_ text: String) -> Bool {
        isLowercaseHex(text, length: 1...32)
    }

    /// ASCII `0-9a-f` only, `length` bytes: not `Character.isHexDigit`, which also takes fullwidth digits.
    public static func isLowercaseHex(_ text: String, length: ClosedRange<Int>) -> Bool {
        length.contains(text.utf8.count) && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
