#if canImport(Glibc)
import Glibc
#endif
import JobletCore
import JobletMessaging

/// Human renderings of times, durations and sizes for tables.
enum Format {
    /// `12s ago`, `5m ago`, `3h ago`, `2d ago`.
    static func ago(_ time: Double, now: Double = Clock.now) -> String {
        let seconds = max(0, now - time)
        return "\(duration(seconds)) ago"
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return "\((seconds * 10).rounded() / 10)s" }
        let whole = Int(seconds)
        if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
        if whole < 86400 { return "\(whole / 3600)h\((whole % 3600) / 60)m" }
        return "\(whole / 86400)d\((whole % 86400) / 3600)h"
    }

    static func duration(_ value: Duration) -> String {
        let parts = value.components
        return duration(Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
    }

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
            let safe = !argument.isEmpty && argument.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./=:,+@%".unicodeScalars.contains($0)
            }
            return safe ? argument : "'" + argument.replacingAll("'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// A random UUID (version 4) for message ids.
    static func uuid() -> String {
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

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
