#if canImport(Glibc)
    import Glibc
#endif
import JobletCore

/// Facts about this host that go into the advert.
public enum HostInfo {
    public static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Kernel release from uname(2), e.g. `6.1.0-18-amd64`.
    public static var kernel: String {
        var info = utsname()
        guard uname(&info) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &info.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// (MemTotal, MemAvailable) in bytes from /proc/meminfo.
    public static var memory: (total: Int64, available: Int64) {
        guard let text = try? FileText.read("/proc/meminfo") else { return (0, 0) }
        var total: Int64 = 0
        var available: Int64 = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kib = Int64(parts[1]) else { continue }
            if parts[0] == "MemTotal:" { total = kib * 1024 }
            if parts[0] == "MemAvailable:" { available = kib * 1024 }
        }
        return (total, available)
    }

    /// CPUs online now (sysconf), at least 1.
    public static var onlineCPUs: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// One-minute load average from /proc/loadavg.
    public static var load1: Double {
        guard let text = try? FileText.read("/proc/loadavg"), let first = text.split(separator: " ").first else { return 0 }
        return Double(first) ?? 0
    }
}
