/// The readings of a `Duration` the code needs, named apart so the modules that use them do not
/// each declare a conflicting `milliseconds`.
extension Duration {
    /// Whole milliseconds, truncated toward zero (poll(2) timeouts).
    public var wholeMilliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }

    /// Milliseconds with the fraction kept (latencies, durations reported to users).
    public var fractionalMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// Whole nanoseconds, truncated toward zero; 0 for a negative duration, at most `Int.max` (292
    /// years): dispatch timer deadlines.
    public var wholeNanoseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds > 0 || attoseconds > 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return Int.max }
        let (sum, overflowed) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowed ? Int.max : Int(sum)
    }
}
