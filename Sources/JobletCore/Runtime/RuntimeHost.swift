#if canImport(Glibc)
    import Glibc
#endif

/// The facts about a host that runtime requirements are checked against.
public struct RuntimeHost: Sendable, Hashable {
    /// Normalised architecture (`x86_64`, `aarch64`), from `uname`.
    public var architecture: String
    /// `MemTotal` from /proc/meminfo.
    public var memory: ByteSize

    public init(architecture: String, memory: ByteSize) {
        self.architecture = architecture
        self.memory = memory
    }

    /// This machine.
    public static func current() throws -> RuntimeHost {
        var names = utsname()
        try IOCall.run("uname", "") { uname(&names) }
        let machine = withUnsafePointer(to: names.machine) {
            $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: names.machine)) { String(cString: $0) }
        }
        let meminfo = try RuntimeFiles.readText("/proc/meminfo")
        guard let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
            let kib = Int64(line.dropFirst("MemTotal:".count).trimmingWhitespace().split(separator: " ").first ?? "")
        else {
            throw JobletError(.system, "could not read MemTotal from /proc/meminfo")
        }
        return RuntimeHost(
            architecture: RuntimeArchitecture.normalize(machine) ?? machine,
            memory: ByteSize(bytes: kib * 1024))
    }

    /// Why `config` cannot run here, or nil when it can.
    public func incompatibility(with requirements: RuntimeConfig.Requirements) -> String? {
        if !requirements.architectures.isEmpty, !requirements.architectures.contains(architecture) {
            return "requires architecture \(requirements.architectures.joined(separator: " or ")), host is \(architecture)"
        }
        if let minimum = requirements.minMemory, minimum > memory {
            return "requires at least \(minimum) of memory, host has \(memory)"
        }
        return nil
    }
}
