/// Lowercase hexadecimal text, the one spelling Joblet writes and accepts for ids and digests
/// (job ids, deploy ids, sha256s): ASCII only, so it is safe in file names, queue names and
/// routing keys.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as two lowercase hex digits each.
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// ASCII `0-9a-f` only, `length` bytes: not `Character.isHexDigit`, which also takes fullwidth digits.
    public static func isLowercase(_ text: String, length: ClosedRange<Int>) -> Bool {
        length.contains(text.utf8.count) && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
