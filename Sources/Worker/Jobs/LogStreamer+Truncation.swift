import JobletCore

extension LogStreamer {
    /// Ends the job's log with `[joblet] output truncated: …` on stderr, on a line of its own, so
    /// whoever reads the log (rnx run, rnx logs) sees that it is incomplete and what to change.
    /// Not counted against the limit: it is the worker's line, not the job's output.
    func appendTruncationNote(dropped: UInt64, limit: ByteSize?) async {
        let line = "[joblet] " + JobResult.outputTruncationMessage(dropped: dropped, limit: limit) + "\n"
        await append(stream: "stderr", bytes: Array(((endsMidLine ? "\n" : "") + line).utf8))
        await drain()
    }
}
