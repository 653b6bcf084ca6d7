import JobletCore
import Synchronization

/// The progress of a deploy on stderr: a bar for the upload and, per worker, how much it received
/// and whether it is done. On a terminal one line redrawn in place; otherwise a line per quarter.
final class DeployDisplay: Sendable {
    private struct State {
        var uploaded: UInt64 = 0
        var workers: [String] = []
        var received: [String: UInt64] = [:]
        var done: [String: RuntimeDeployReport.State] = [:]
        var lastQuarter = -1
        var drawn = false
    }

    let runtime: String
    let size: UInt64
    let quiet: Bool
    let tty = Terminal.isTTY(2)
    private let state = Mutex(State())

    init(runtime: String, size: UInt64, json: Bool) {
        self.runtime = runtime
        self.size = size
        self.quiet = json
    }

    func start(workers: [String]) {
        state.withLock { $0.workers = workers }
        if !quiet {
            Terminal.err(
                "deploying \(runtime) (\(Format.bytes(size))) to \(workers.count) worker\(workers.count == 1 ? "" : "s"): \(workers.joined(separator: ", "))")
        }
    }

    func uploaded(_ bytes: UInt64) {
        state.withLock { $0.uploaded = bytes }
        draw()
    }

    func report(_ report: RuntimeDeployReport) {
        state.withLock { state in
            if let received = report.received { state.received[report.workerID] = received }
            if report.isFinal { state.done[report.workerID] = report.state }
        }
        draw()
    }

    func finish() {
        let drawn = state.withLock { $0.drawn }
        if tty, drawn, !quiet { Terminal.write(Array("\n".utf8), to: 2) }
    }

    private func draw() {
        guard !quiet else { return }
        let line: String? = state.withLock { state in
            let fraction = size == 0 ? 1 : Double(state.uploaded) / Double(size)
            let width = 30
            let filled = min(width, Int(fraction * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let done = state.done.values.filter { $0 != .failed }.count
            let failed = state.done.values.filter { $0 == .failed }.count
            let receiving = state.workers.filter { state.done[$0] == nil }.map { worker in
                let got = state.received[worker] ?? 0
                return "\(worker) \(size == 0 ? 100 : Int(Double(got) * 100 / Double(size)))%"
            }
            var text = "[\(bar)] \(Int(fraction * 100))% \(Format.bytes(state.uploaded))/\(Format.bytes(size)) · installed \(done)/\(state.workers.count)"
            if failed > 0 { text += " · failed \(failed)" }
            if !receiving.isEmpty { text += " · " + receiving.prefix(4).joined(separator: ", ") }
            if tty {
                state.drawn = true
                return "\r\u{1B}[K" + text
            }
            let quarter = Int(fraction * 4)
            guard quarter > state.lastQuarter else { return nil }
            state.lastQuarter = quarter
            return text + "\n"
        }
        if let line { Terminal.write(Array(line.utf8), to: 2) }
    }
}
