import JobletCore

/// Ids for the messages the client sends: the dispatcher takes a submission's `message_id` as its
/// idempotency key, so each submission needs a fresh one.
public enum MessageID {
    /// A random UUID (version 4).
    public static func random() -> String {
        var hex = Array(JobID.generate())
        hex[12] = "4"
        let variant = "89ab"
        hex[16] = Array(variant)[Int(hex[16].hexDigitValue ?? 0) & 3]
        let text = String(hex)
        func slice(_ from: Int, _ to: Int) -> Substring {
            text[text.index(text.startIndex, offsetBy: from)..<text.index(text.startIndex, offsetBy: to)]
        }
        return "\(slice(0, 8))-\(slice(8, 12))-\(slice(12, 16))-\(slice(16, 20))-\(slice(20, 32))"
    }
}
