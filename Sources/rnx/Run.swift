import ArgumentParser
import JobletClient
import JobletCore

/// `rnx run`: submit, stream the job's output live, exit with its exit code.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job: submit it, follow its output live and exit with its exit code.",
        discussion: """
            stdout goes to stdout and stderr to stderr. Exit status: the job's own code (128+n when a \
            signal killed it, e.g. 137 for SIGKILL); 127 when the command could not be started; 124 timed \
            out; 130 cancelled or detached; 125 lost, rejected, unschedulable or an rnx error. \
            Ctrl-C on a terminal asks whether to cancel the job or detach; otherwise rnx detaches and \
            prints how to reattach (rnx logs -f ID).

            Examples:
              rnx run --runtime=python:3.11 python -c 'print(42)'
              rnx run --runtime=python:3.11+ml --upload=train.py python train.py
              rnx run --max-memory=256M --max-cpu=50 --timeout=1m -- sh -c 'echo hi; exit 3'
              rnx run --runtime=java:17 --upload=src -e JAVA_OPTS=-Xmx256m -- java src/Main.java
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var job: JobOptions

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "command"))
    var command: [String] = []

    func run() async throws {
        guard let argv = JobOptions.commandLine(command, of: Self.self) else { return }
        let settings = try global.resolve()
        let request = try job.request(command: argv, maxUploadBytes: settings.maxUploadBytes)
        let code: Int32
        do {
            code = try await global.withClient(settings: settings) { client -> Int32 in
                // Bound before the job exists, so all its output arrives live.
                let (jobID, events) = try await client.submitAndFollow(request)
                var printer = FollowPrinter(client: client, jobID: jobID, offerCancel: true)
                guard let outcome = try await printer.follow(events) else { return JobExit.cancelled }
                let code = JobExit.code(state: outcome.state, result: outcome.result, reason: outcome.reason)
                // A plain failure is the job's own business (its exit code says it); a limit that
                // stopped it is always explained, terminal or not.
                let limited = JobExit.limitHint(state: outcome.state, result: outcome.result) != nil
                if outcome.state != .completed || code != 0, Terminal.isTTY(2) || outcome.state != .failed || limited {
                    Terminal.err(
                        Style.stderr.dim(
                            "rnx: job \(JobID.short(jobID)) \(JobExit.summary(state: outcome.state, result: outcome.result, reason: outcome.reason))"))
                }
                return code
            }
        } catch let error as RNXError {
            Terminal.err("Error: \(error)")
            throw ExitCode(JobExit.rnxFailure)
        }
        if code != 0 { throw ExitCode(code) }
    }
}
