/// How the client writes a duration in its messages (and rnx in its tables): `850ms`, `5.0s`,
/// `2m5s`, `3h1m`, `2d4h`.
public enum DurationText {
    /// A number of seconds.
    public static func of(seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return "\((seconds * 10).rounded() / 10)s" }
        let whole = Int(seconds)
        if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
        if whole < 86400 { return "\(whole / 3600)h\((whole % 3600) / 60)m" }
        return "\(whole / 86400)d\((whole % 86400) / 3600)h"
    }

    public static func of(_ value: Duration) -> String {
        let parts = value.components
        return of(seconds: Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
    }
}
