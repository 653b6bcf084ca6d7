import ArgumentParser
import JobletCore
import JobletMessaging

/// `rnx status ID`: everything the dispatcher knows about one job.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a job's state, result and history.",
        discussion: """
            ID may be a unique prefix of the job id.

            Examples:
              rnx status 3f2a
              rnx status --json 3f2a9c01 | jq .state
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The job id or a unique prefix of it.") var id: String

    func run() async throws {
        let record = try await global.query(.status, job: id).response.job
        guard let record else { throw RNXError(.dispatcher, "the dispatcher returned no job for \(id)") }
        if output.json { try output.printJSON(record); return }
        Terminal.out(Status.render(record))
    }

    static func render(_ record: JobRecord, style: Style = .stdout) -> String {
        var lines: [(String, String)] = [("Job", record.jobID)]
        if let name = record.name { lines.append(("Name", name)) }
        lines.append(("State", style.state(record.state)))
        lines.append(("Command", Format.command(record.command)))
        lines.append(
            (
                "Runtime",
                record.runtime.map { spec in
                    record.runtimeID.map { $0 == spec ? spec : "\(spec) -> \($0)" } ?? spec
                } ?? "host"
            ))
        if let queue = record.queue { lines.append(("Queue", queue)) }
        lines.append(("Submitter", record.submitter))
        lines.append(("Submitted", "\(Format.timestamp(record.submittedAt)) (\(Format.ago(record.submittedAt)))"))
        if let started = record.startedAt { lines.append(("Started", Format.timestamp(started))) }
        if let finished = record.finishedAt {
            var text = Format.timestamp(finished)
            if let started = record.startedAt { text += " (ran \(Format.duration(finished - started)))" }
            lines.append(("Finished", text))
        }
        if let worker = record.workerID { lines.append(("Worker", worker)) }
        lines.append(("Attempts", "\(record.attempts)"))
        if let code = record.exitCode ?? record.result?.exitCode { lines.append(("Exit code", "\(code)")) }
        if let reason = record.reason ?? record.result?.reason { lines.append(("Reason", reason)) }
        if let hint = JobExit.limitHint(state: record.state, result: record.result) { lines.append(("Limit", hint)) }
        if let truncation = LogTruncation.statusLine(record) { lines.append(("Output", truncation)) }
        if let accounting = record.result?.accounting {
            lines.append(
                (
                    "CPU",
                    "\(Format.duration(Double(accounting.cpuUsec) / 1e6)) (user \(Format.duration(Double(accounting.userUsec) / 1e6)), system \(Format.duration(Double(accounting.systemUsec) / 1e6)))"
                ))
            lines.append(("Memory peak", Format.bytes(accounting.memoryPeakBytes)))
        }
        if let unenforced = record.result?.unenforcedLimits, !unenforced.isEmpty {
            lines.append(("Unenforced", unenforced.joined(separator: ", ")))
        }
        var text = Table.fields(lines, style: style)
        if !record.history.isEmpty {
            text.append(style.bold("History:"))
            for change in record.history {
                var line = "  \(Format.timestamp(change.time))  \(style.state(change.state))"
                if let worker = change.workerID { line += "  \(worker)" }
                if let reason = change.reason { line += "  \(reason)" }
                text.append(line)
            }
        }
        return text.joined(separator: "\n")
    }
}
