import ArgumentParser
import JobletCore

/// The per-worker outcome of a deploy or a fleet removal, as a table (or JSON); exit 1 if any failed.
enum RuntimeDeployResults {
    static func show(
        expected: Set<String>, finals: [String: RuntimeDeployReport], runtime: String, timeout: String,
        output: OutputOptions, verb: String
    ) throws {
        var all = expected.sorted().map { worker in
            finals[worker]
                ?? RuntimeDeployReport(
                    workerID: worker, deployID: "", runtime: runtime, state: .failed,
                    message: "no report within \(timeout) of silence", durationSeconds: 0)
        }
        all.sort { $0.workerID < $1.workerID }
        if output.json {
            try output.printJSON(all)
        } else {
            let style = Style.stdout
            var table = Table(["WORKER", "RESULT", "TIME", "DETAIL"])
            for report in all {
                let result = report.state == .failed ? style.red("FAILED") : style.green(report.state.rawValue.uppercased())
                table.add([report.workerID, result, Format.duration(report.durationSeconds), report.message])
            }
            Terminal.out(table.render(style: style))
        }
        let failed = all.filter { $0.state == .failed }.count
        if failed > 0 {
            Terminal.err("rnx: \(verb) of \(runtime) failed on \(failed) of \(all.count) worker\(all.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}
