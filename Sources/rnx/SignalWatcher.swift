#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Turns SIGINT/SIGTERM into a callback instead of killing the process, so `rnx run` can ask
/// whether to cancel or detach. `stop()` restores the default dispositions.
final class SignalWatcher: @unchecked Sendable {
    // Dispatch sources are thread-safe; they are only created and cancelled here.
    private let sources: [DispatchSourceSignal]
    private let signals: [Int32]

    init(_ signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func stop() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
