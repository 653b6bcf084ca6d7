/// How much of a job's output (stdout and stderr together) may still be delivered. Past the limit
/// the reader keeps reading, so the job never blocks on a full pipe, but only counts what it drops.
struct OutputBudget {
    /// nil: unlimited.
    private var remaining: UInt64?
    private(set) var dropped: UInt64 = 0

    init(limit: Int64?) {
        remaining = limit.map { UInt64(max(0, $0)) }
    }

    /// How many of the `count` bytes just read to deliver (a prefix); the rest counts as dropped.
    mutating func take(_ count: Int) -> Int {
        let wanted = UInt64(count)
        guard let left = remaining else { return count }
        let kept = min(wanted, left)
        remaining = left - kept
        dropped += wanted - kept
        return Int(kept)
    }
}
