#if canImport(Glibc)
    import Glibc
#endif

extension JobCgroup {
    /// What the job consumed so far: CPU time, peak memory, whether the OOM killer struck, peak tasks.
    ///
    /// v2 reads `cpu.stat`, `memory.peak` (or `memory.current` on kernels before 5.19),
    /// `memory.events` and `pids.peak`; v1 reads `cpuacct.usage*`, `memory.max_usage_in_bytes`,
    /// `memory.oom_control` and `pids.peak`.
    public func usage() throws -> ResourceUsage {
        switch layout {
        case .v2(let dir): return try usageV2(dir)
        case .v1(let dirs): return try Self.usageV1(dirs)
        case .none: return ResourceUsage()
        }
    }

    /// The `max` count of a `pids.events` file (same format in v1 and v2).
    private static func limitHits(_ path: String) throws -> UInt64? {
        guard let text = try CgroupFS.readIfPresent(path) else { return nil }
        return CgroupFS.keyedValues(text)["max"]
    }

    private static func number(_ path: String) throws -> UInt64? {
        guard let text = try CgroupFS.readIfPresent(path) else { return nil }
        return UInt64(CgroupFS.trimmed(text))
    }

    private func usageV2(_ dir: String) throws -> ResourceUsage {
        var usage = ResourceUsage()
        if let text = try CgroupFS.readIfPresent(dir + "/cpu.stat") {
            let stat = CgroupFS.keyedValues(text)
            usage.cpuUsageUsec = stat["usage_usec"] ?? 0
            usage.userUsec = stat["user_usec"] ?? 0
            usage.systemUsec = stat["system_usec"] ?? 0
        }
        if let peak = try Self.number(dir + "/memory.peak") {
            usage.memoryPeakBytes = peak
        } else {
            let current = try Self.number(dir + "/memory.current") ?? 0
            usage.memoryPeakBytes = sampledMemoryPeak.withLock { peak in
                peak = max(peak, current)
                return peak
            }
        }
        if let text = try CgroupFS.readIfPresent(dir + "/memory.events") {
            usage.oomKilled = (CgroupFS.keyedValues(text)["oom_kill"] ?? 0) > 0
        }
        usage.pidsPeak = try Self.number(dir + "/pids.peak")
        usage.pidsLimitHits = try Self.limitHits(dir + "/pids.events")
        return usage
    }

    private static func usageV1(_ dirs: [String: String]) throws -> ResourceUsage {
        var usage = ResourceUsage()
        if let cpuacct = dirs["cpuacct"] {
            usage.cpuUsageUsec = (try number(cpuacct + "/cpuacct.usage") ?? 0) / 1000
            if let user = try number(cpuacct + "/cpuacct.usage_user"),
                let system = try number(cpuacct + "/cpuacct.usage_sys")
            {
                usage.userUsec = user / 1000
                usage.systemUsec = system / 1000
            } else if let text = try CgroupFS.readIfPresent(cpuacct + "/cpuacct.stat") {
                // Older kernels only report USER_HZ ticks.
                let ticks = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
                let stat = CgroupFS.keyedValues(text)
                usage.userUsec = (stat["user"] ?? 0) * 1_000_000 / ticks
                usage.systemUsec = (stat["system"] ?? 0) * 1_000_000 / ticks
            }
        }
        if let memory = dirs["memory"] {
            usage.memoryPeakBytes = try number(memory + "/memory.max_usage_in_bytes") ?? 0
            if let text = try CgroupFS.readIfPresent(memory + "/memory.oom_control") {
                usage.oomKilled = (CgroupFS.keyedValues(text)["oom_kill"] ?? 0) > 0
            }
        }
        if let pids = dirs["pids"] {
            usage.pidsPeak = try number(pids + "/pids.peak")
            usage.pidsLimitHits = try limitHits(pids + "/pids.events")
        }
        return usage
    }
}
