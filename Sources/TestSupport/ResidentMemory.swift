import Foundation
import Synchronization

/// A process's resident set size from /proc/<pid>/status (VmRSS), sampled while a test runs.
public final class ResidentMemory: Sendable {
    public let pid: Int32
    private let seen = Mutex<(peakBytes: Int, samples: Int)>((0, 0))
    private let sampler = Mutex<Task<Void, Never>?>(nil)

    public init(pid: Int32) { self.pid = pid }

    /// VmRSS now, in bytes; nil when the process is gone.
    public static func current(pid: Int32 = getpid()) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }

    /// Samples every `interval` until ``stop()``.
    public func start(every interval: Duration = .milliseconds(20)) {
        let task = Task.detached { [self] in
            while !Task.isCancelled {
                if let bytes = Self.current(pid: pid) {
                    seen.withLock { $0 = (max($0.peakBytes, bytes), $0.samples + 1) }
                }
                try? await Task.sleep(for: interval)
            }
        }
        sampler.withLock { $0 = task }
    }

    /// Stops sampling; the peak seen and how many samples were taken.
    public func stop() async -> (peakBytes: Int, samples: Int) {
        let task = sampler.withLock { $0 }
        task?.cancel()
        await task?.value
        return seen.withLock { $0 }
    }
}

extension ResidentMemory {
    /// User + system CPU the process has used, in seconds (/proc/<pid>/stat utime + stime).
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "comm)": state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
