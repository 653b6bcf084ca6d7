/// Job ids: 32 lowercase hex characters from the kernel's random source. People use unique
/// prefixes (`rnx status 3f2a`); the hostname in the sandbox is `job-<first 8>`.
public enum JobID {
    public static func generate() -> String {
        // Two 64-bit draws: SystemRandomNumberGenerator makes one getrandom(2) call per draw, so
        // drawing byte by byte cost the dispatcher 16 system calls per job.
        var generator = SystemRandomNumberGenerator()
        let words: [UInt64] = [generator.next(), generator.next()]
        return Hex.lowercase(words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } })
    }

    public static func short(_ id: String) -> String { String(id.prefix(8)) }

    /// A whole job id as `generate` makes them: 32 ASCII lowercase hex digits, nothing else.
    public static func isComplete(_ text: String) -> Bool {
        Hex.isLowercase(text, length: 32...32)
    }

    /// A string that can be (a prefix of) a job id: ASCII lowercase hex, 1-32 characters.
    public static func isPlausiblePrefix(_ text: String) -> Bool {
        Hex.isLowercase(text, length: 1...32)
    }
}
