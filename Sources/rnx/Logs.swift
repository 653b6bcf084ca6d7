import ArgumentParser
import JobletClient
import JobletCore

/// `rnx logs ID [-f]`: a job's output from the dispatcher's store, optionally followed live.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a job's output; -f follows it live until the job ends.",
        discussion: """
            stdout goes to stdout, stderr to stderr. With --json every chunk is one JSON line \
            {"job_id","seq","stream","data"(base64)}.

            Examples:
              rnx logs 3f2a
              rnx logs -f 3f2a                # reattach to a running job
              rnx logs --since-seq=120 3f2a   # only chunks from sequence number 120 on
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Flag(name: [.customShort("f"), .long], help: "Follow: keep printing until the job ends.") var follow = false
    @Option(name: .customLong("since-seq"), help: "First chunk sequence number to print.") var sinceSeq: UInt64 = 0
    @Argument(help: "The job id or a unique prefix of it.") var id: String

    /// How often (every 100 ms) to ask again for chunks a finished job's result counts but the store has not yet.
    static let missingChunkWaits = 30

    func run() async throws {
        let prefix = try checkedJobID(id)
        let code = try await global.withClient { client -> Int32 in
            guard let record = try await client.query(RPCRequest(method: .status, jobID: prefix)).job else {
                throw RNXError(.dispatcher, "the dispatcher returned no job for \(id)")
            }
            if follow {
                var printer = FollowPrinter(client: client, jobID: record.jobID, json: output.json)
                let events = client.follow(record.jobID, submitter: record.submitter, sinceSeq: sinceSeq)
                return try await printer.follow(events) == nil ? JobExit.cancelled : 0
            }
            var next = sinceSeq
            var latest = record
            var waits = 0
            while true {
                let response = try await client.query(RPCRequest(method: .logs, jobID: record.jobID, sinceSeq: next))
                if let job = response.job { latest = job }
                let chunks = (response.logs ?? []).filter { $0.seq >= next }.sorted { $0.seq < $1.seq }
                for chunk in chunks {
                    if output.json {
                        Terminal.write(try JSONCodec.encode(chunk) + [0x0a], to: 1)
                    } else {
                        Terminal.write(chunk.data, to: chunk.stream == "stderr" ? 2 : 1)
                    }
                    next = chunk.seq + 1
                }
                if response.complete == true { break }
                if chunks.isEmpty {
                    // The dispatcher takes logs and events from two queues: right after a job ended, its
                    // last chunks may still be on their way to the store. Wait a little for what the
                    // result says was sent.
                    let sent = latest.result?.logChunks ?? 0
                    guard latest.state.isTerminal, latest.logsTruncated != true, next < sent, waits < Self.missingChunkWaits else { break }
                    waits += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            for note in LogTruncation.storedLogNotes(latest) { Terminal.err(note) }
            return 0
        }
        if code != 0 { throw ExitCode(code) }
    }
}
