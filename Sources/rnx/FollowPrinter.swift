#if canImport(Glibc)
    import Glibc
#endif
import AsyncAlgorithms
import JobletClient
import JobletCore
import SystemCalls
import UnixSignals

/// rnx's side of following a job (the following itself is JobletClient's `JobFollower`): the output
/// to stdout and stderr (or JSON lines), a "queued, waiting for a worker" line on a terminal, and
/// Ctrl-C, which on a TTY asks whether to cancel the job (`run`) and otherwise detaches.
struct FollowPrinter {
    enum Input: Sendable {
        case event(JobFollowEvent)
        case tick
        case interrupt
    }

    let client: ClusterClient
    let jobID: String
    /// Chunks as JSON lines instead of raw bytes.
    let json: Bool
    /// Ctrl-C on a TTY asks whether to cancel the job (`run`) instead of only detaching (`logs -f`).
    let offerCancel: Bool
    let showProgress: Bool
    private var progressShown = false
    private var started = false
    private var ended = false
    private var ticks = 0
    private var cancelRequested = false

    init(client: ClusterClient, jobID: String, json: Bool = false, offerCancel: Bool = false) {
        self.client = client
        self.jobID = jobID
        self.json = json
        self.offerCancel = offerCancel
        self.showProgress = Terminal.isTTY(2) && !json
    }

    /// How the job ended, or nil when the user detached (the job keeps running).
    mutating func follow(_ events: JobFollower) async throws -> JobOutcome? {
        // Trapped before following starts: from here on Ctrl-C is an input, not the end of rnx.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        defer {
            // Dispatch keeps its handler installed after the sequence ends, which would swallow a
            // later Ctrl-C: restore the defaults so one ends rnx again once following is over.
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        let inputs = merge(
            events.map { Input.event($0) },
            AsyncTimerSequence(interval: .milliseconds(250), clock: .continuous).map { _ in Input.tick },
            signals.map { _ in Input.interrupt })
        for try await input in inputs {
            switch input {
            case .event(let event):
                if let outcome = show(event) {
                    clearProgress()
                    return outcome
                }
            case .tick:
                tick()
            case .interrupt:
                if try await interrupted() { return nil }
            }
        }
        throw CancellationError()
    }

    /// Writes one event; the outcome when it is the end.
    private mutating func show(_ event: JobFollowEvent) -> JobOutcome? {
        switch event {
        case .output(let chunk):
            clearProgress()
            started = true
            if json {
                if let line = try? JSONCodec.encode(chunk) { Terminal.write(line + [0x0a], to: 1) }
            } else {
                Terminal.write(chunk.data, to: chunk.stream == "stderr" ? 2 : 1)
            }
        case .state(let state):
            if state == .running, !started {
                started = true
                clearProgress()
            }
            if state.isTerminal { ended = true }
        case .logNotStored(let record):
            clearProgress()
            for note in LogTruncation.storedLogNotes(record) { Terminal.err(note) }
        case .outputMissing(let from):
            Terminal.err("rnx: warning: job \(jobID) ended but log chunks from \(from) on never arrived; output may be incomplete")
        case .ended(let outcome):
            return outcome
        }
        return nil
    }

    private mutating func tick() {
        ticks += 1
        guard showProgress, !started, !ended else { return }
        let waited = Double(ticks) / 4
        Terminal.write(Array("\r\u{1B}[Kjob \(JobID.short(jobID)) queued, waiting for a worker (\(Int(waited))s)…".utf8), to: 2)
        progressShown = true
    }

    /// Ctrl-C: on a terminal ask cancel-or-detach; otherwise detach and say how to reattach.
    /// True when rnx detaches.
    private mutating func interrupted() async throws -> Bool {
        clearProgress()
        if offerCancel, !cancelRequested, Terminal.isTTY(0), Terminal.isTTY(2) {
            Terminal.write(Array("\nrnx: cancel job \(JobID.short(jobID))? [y/N] (N detaches; the job keeps running) ".utf8), to: 2)
            // The prompt waits for the user: off the cooperative pool, where the follow loop runs.
            let answer = await BlockingExecutor.shared.run { readLine()?.lowercased() ?? "" }
            if answer == "y" || answer == "yes" {
                cancelRequested = true
                _ = try await client.query(RPCRequest(method: .cancel, jobID: jobID))
                Terminal.err("rnx: cancel requested; waiting for job \(JobID.short(jobID)) to stop (Ctrl-C again detaches)")
                return false
            }
        }
        Terminal.err("\nrnx: detached from job \(jobID); it keeps running. Reattach with: rnx logs -f \(jobID)")
        return true
    }

    private mutating func clearProgress() {
        guard progressShown else { return }
        Terminal.write(Array("\r\u{1B}[K".utf8), to: 2)
        progressShown = false
    }
}
