extension WorkerAdvert {
    /// Checks every field is within what a real worker sends, so a hostile advert cannot make a worker
    /// look immortal (a huge interval), infinitely large, or flood the registry with strings.
    public func validate() throws {
        func fail(_ field: String, _ problem: String) -> JobletError {
            JobletError(.invalidArgument, "advert.\(field): \(problem)")
        }
        guard BrokerUserName.isValid(workerID) else { throw fail("worker_id", "not a broker user name") }
        for (field, text, limit) in [
            ("hostname", hostname, 255), ("arch", arch, 32), ("kernel", kernel, 256),
            ("cgroup_mode", cgroupMode, 32), ("version", version, 64),
        ] where text.utf8.count > limit {
            throw fail(field, "longer than \(limit) bytes")
        }
        guard (0...Self.maxSlots).contains(slotsTotal), (0...slotsTotal).contains(slotsFree) else {
            throw fail("slots_total", "give 0-\(Self.maxSlots) slots, slots_free at most slots_total")
        }
        guard memoryTotal >= 0, (0...max(0, memoryTotal)).contains(memoryAvailable) else {
            throw fail("memory_total", "must not be negative, memory_available at most memory_total")
        }
        guard interval > 0, interval <= Self.maxInterval else {
            throw fail("interval", "give more than 0 and at most \(Int(Self.maxInterval)) seconds")
        }
        guard time.isFinite, load1.isFinite, load1 >= 0 else { throw fail("time", "time and load1 must be finite") }
        guard runtimes.count <= Self.maxEntries, queues.count <= Self.maxEntries, runningJobs.count <= Self.maxRunningJobs else {
            throw fail("runtimes", "at most \(Self.maxEntries) runtimes and queues, \(Self.maxRunningJobs) running jobs")
        }
        if let text = (runtimes.map(\.id) + queues + runningJobs).first(where: { $0.utf8.count > 255 }) {
            throw fail("runtimes", "\"\(text.prefix(40))…\" is longer than 255 bytes")
        }
        if let networks, networks.count > 8 || networks.contains(where: { $0.utf8.count > 32 }) {
            throw fail("networks", "at most 8 modes of at most 32 bytes")
        }
        try maxLimits?.validate()
    }

    public static let maxSlots = 4096
    /// An hour: a worker that stops advertising leaves the registry within a few of these.
    public static let maxInterval = 3600.0
    public static let maxEntries = 1024
    public static let maxRunningJobs = maxSlots * 2
}
