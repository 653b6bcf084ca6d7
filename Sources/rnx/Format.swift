#if canImport(Glibc)
    import Glibc
#endif
import JobletClient
import JobletCore
import JobletMessaging

/// Human renderings of times, durations and sizes for tables.
enum Format {
    /// `12s ago`, `5m ago`, `3h ago`, `2d ago`.
    static func ago(_ time: Double, now: Double = Clock.now) -> String {
        let seconds = max(0, now - time)
        return "\(duration(seconds)) ago"
    }

    static func duration(_ seconds: Double) -> String { DurationText.of(seconds: seconds) }

    static func duration(_ value: Duration) -> String { DurationText.of(value) }

    /// `2026-11-23 18:11:50` in local time.
    static func timestamp(_ time: Double) -> String {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    static func bytes(_ value: UInt64) -> String { ByteSize(bytes: Int64(clamping: value)).description }

    /// A command line as a shell would show it.
    static func command(_ argv: [String]) -> String {
        argv.map { argument in
            let safe =
                !argument.isEmpty
                && argument.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./=:,+@%".unicodeScalars.contains($0)
                }
            return safe ? argument : "'" + argument.replacingAll("'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// A random UUID (version 4) for message ids.
    static func uuid() -> String { MessageID.random() }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
