import JobletCore

/// The exit status `rnx run` and `rnx submit --wait` return for a finished job.
///
/// completed/failed: the job's own exit code (128+n when a signal killed it, e.g. 137);
/// a command that could not be started: 127; timed_out: 124; cancelled: 130;
/// lost, rejected, unschedulable or an rnx failure: 125.
enum JobExit {
    static let rnxFailure: Int32 = 125
    static let timedOut: Int32 = 124
    static let cancelled: Int32 = 130
    static let notStarted: Int32 = 127

    static func code(state: JobState, result: JobResult?, reason: String?) -> Int32 {
        switch state {
        case .completed:
            return result?.exitCode ?? 0
        case .failed:
            if let code = result?.exitCode, code != 0 { return code }
            if let signal = result?.signal { return 128 + signal }
            let why = result?.reason ?? reason ?? ""
            if why.hasPrefix("spawn_failed") || why.contains("not found") { return notStarted }
            return 1
        case .timedOut: return timedOut
        case .cancelled: return cancelled
        case .lost, .rejected, .unschedulable: return rnxFailure
        case .queued, .running: return 0
        }
    }

    /// What to do when a limit stopped the job, e.g. `out of memory (limit 64M, peak 64M): raise
    /// --max-memory` or `disk full (limit 1G): raise --max-disk`; nil when no limit did. Printed by `rnx run` whether or not stderr is a terminal.
    static func limitHint(state: JobState, result: JobResult?) -> String? {
        if let result, result.oomKilled {
            var facts: [String] = []
            if let memory = result.limits?.memory { facts.append("limit \(memory)") }
            if let peak = result.accounting?.memoryPeakBytes, peak > 0 { facts.append("peak \(ByteSize(bytes: Int64(clamping: peak)))") }
            let detail = facts.isEmpty ? "" : " (\(facts.joined(separator: ", ")))"
            return "out of memory\(detail): raise --max-memory"
        }
        if let reason = result?.reason, reason.hasPrefix("disk_limit") {
            let limit = result?.limits?.disk.map { " (limit \($0))" } ?? ""
            let what = reason.contains("upload") ? "the upload does not fit in the job's disk" : "disk full"
            return "\(what)\(limit): raise --max-disk"
        }
        if state == .timedOut {
            let limit = result?.limits?.timeout.map { " (limit \($0))" } ?? ""
            return "timed out\(limit): raise --timeout"
        }
        // Hitting the pids limit need not be fatal; it explains a job that failed.
        if state == .failed, let hits = result?.accounting?.pidsLimitHits, hits > 0 {
            let limit = result?.limits?.pids.map { "limit \($0), " } ?? ""
            return "process limit reached (\(limit)\(hits) fork\(hits == 1 ? "" : "s") refused): raise --max-pids"
        }
        return nil
    }

    /// `failed: exit 3 on worker w1 after 0.4s (reason)` for stderr.
    static func summary(state: JobState, result: JobResult?, reason: String?) -> String {
        var parts = [state.rawValue]
        if let result {
            if let signal = result.signal {
                parts.append("killed by signal \(signal)")
            } else if let code = result.exitCode {
                parts.append("exit \(code)")
            }
            parts.append("on worker \(result.workerID) after \(Format.duration(result.finishedAt - result.startedAt))")
        }
        if let hint = limitHint(state: state, result: result) {
            parts.append("— \(hint)")
        } else if let why = result?.reason ?? reason {
            parts.append("(\(why))")
        }
        return parts.joined(separator: " ")
    }
}
