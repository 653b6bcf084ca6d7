import JobletCore

/// What rnx says when a job's log is not all of its output: the worker dropped output past the
/// job's `output` limit (its result counts the bytes, and the log ends with the worker's
/// `[joblet] output truncated` line), or the dispatcher stopped storing the log at its
/// `log_bytes_per_job` cap (the record's `logs_truncated`; the stored log is then a prefix).
enum LogTruncation {
    /// For `rnx status`; nil when the log is complete.
    static func statusLine(_ record: JobRecord) -> String? {
        var parts: [String] = []
        if let result = record.result, let dropped = result.outputDroppedBytes {
            parts.append(
                JobResult.outputTruncationMessage(dropped: dropped, limit: result.limits?.output)
                    .replacingPrefix("output truncated: ", with: ""))
        }
        if record.logsTruncated == true { parts.append("the dispatcher stored only the first part (log_bytes_per_job)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Lines for stderr after printing a stored log that ends early: the dispatcher's cap, and the
    /// worker's own truncation line, which was past the cap too.
    static func storedLogNotes(_ record: JobRecord) -> [String] {
        guard record.logsTruncated == true else { return [] }
        var notes = [
            "rnx: the dispatcher stored only the first part of job \(JobID.short(record.jobID))'s output "
                + "(its log_bytes_per_job cap); the rest was not kept"
        ]
        if let truncation = record.result?.outputTruncation { notes.append("[joblet] \(truncation)") }
        return notes
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
