extension JobResult {
    /// `output truncated: 1.2G dropped after the 64M limit; raise --max-output`: what the worker
    /// writes as the job's last log line (after `[joblet] `) when the `output` limit dropped bytes.
    public static func outputTruncationMessage(dropped: UInt64, limit: ByteSize?) -> String {
        let amount = dropped < 1024 ? "\(dropped) bytes" : ByteSize(bytes: Int64(clamping: dropped)).description
        let after = limit.map { " after the \($0) limit" } ?? ""
        return "output truncated: \(amount) dropped\(after); raise --max-output"
    }

    /// The truncation message of this result; nil when no output was dropped.
    public var outputTruncation: String? {
        outputDroppedBytes.map { Self.outputTruncationMessage(dropped: $0, limit: limits?.output) }
    }
}
