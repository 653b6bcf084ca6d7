import ArgumentParser
import JobletClient
import JobletCore

/// `rnx submit`: enqueue a job and print its id (or wait for its result).
struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job and print its id.",
        discussion: """
            Examples:
              rnx submit --runtime=python:3.11 -- python -c 'print(42)'
              rnx submit --runtime=node:20 --upload=app.js --max-memory=512M -- node app.js
              rnx submit --wait --timeout=10m -- make test      # wait and exit with the job's code
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var job: JobOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Wait for the job to finish, print its result and exit with its exit code.")
    var wait = false

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments (after --).", valueName: "command"))
    var command: [String] = []

    func run() async throws {
        guard let argv = JobOptions.commandLine(command, of: Self.self) else { return }
        let settings = try global.resolve()
        let request = try job.request(command: argv, maxUploadBytes: settings.maxUploadBytes)
        let code = try await global.withClient(settings: settings) { client -> Int32 in
            let submission = try await client.submit(request)
            let jobID = submission.jobID
            guard wait else {
                if output.json { try output.printJSON(submission.reply) } else { Terminal.out(jobID) }
                return 0
            }
            var printer = FollowPrinter(client: client, jobID: jobID)
            guard let outcome = try await printer.follow(client.follow(jobID, output: false)) else { return JobExit.cancelled }
            let record = try await finalRecord(client: client, jobID: jobID, outcome: outcome)
            if output.json {
                try output.printJSON(record)
            } else {
                Terminal.out("\(jobID) \(JobExit.summary(state: outcome.state, result: outcome.result, reason: outcome.reason))")
            }
            return JobExit.code(state: outcome.state, result: outcome.result, reason: outcome.reason)
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// The dispatcher's record once it has stored the terminal state (it consumes events
/// asynchronously), else the record with the outcome filled in from the event.
func finalRecord(client: ClusterClient, jobID: String, outcome: JobOutcome) async throws -> JobRecord {
    var record: JobRecord?
    for _ in 0..<20 {
        record = try await client.query(RPCRequest(method: .status, jobID: jobID)).job
        if let record, record.state.isTerminal { return record }
        try await Task.sleep(for: .milliseconds(100))
    }
    guard var record else { throw RNXError(.dispatcher, "the dispatcher has no record of job \(jobID)") }
    record.state = outcome.state
    record.result = outcome.result
    record.reason = outcome.reason ?? outcome.result?.reason
    record.exitCode = outcome.result?.exitCode
    return record
}
