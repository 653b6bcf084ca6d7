/// Broker user names Joblet can work with. A user name appears in routing keys
/// (`job.<submitter>.<id>.<state>`) and, through `{username}`, in topic-permission regexes, so it
/// must contain no `.`, `*`, `#` or regex syntax.
public enum BrokerUserName {
    public static let maxLength = 64
    /// The characters allowed, in words, for error messages.
    public static let allowed = "letters, digits, '_', '-' and '@', at most 64 characters"

    /// True when `name` is 1–64 characters of `[A-Za-z0-9_@-]`.
    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxLength else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
        }
    }
}
