import JobletCore

extension Matchmaker {
    /// Keeps the workers whose advertised maxima allow every limit the request states; throws
    /// `over_worker_limits` naming the field and the highest ceiling offered when none does. A worker
    /// that advertises no maxima (before protocol 2.1) checks them itself and may still reject.
    static func fitting(_ limits: JobLimits, among capable: [WorkerAdvert], what: String) throws -> [WorkerAdvert] {
        let fitting = capable.filter { worker in worker.maxLimits.map { limits.firstExcess(over: $0) == nil } ?? true }
        guard fitting.isEmpty, !capable.isEmpty else { return fitting }
        let adverts = capable.compactMap(\.maxLimits)
        if let excess = limits.firstExcess(over: highest(adverts)) {
            throw DispatcherError(
                .overWorkerLimits,
                "\(excess.field): \(excess.value) is more than any worker that can run \(what) allows (largest: \(excess.ceiling)); lower \(excess.field)")
        }
        let each = adverts.compactMap { limits.firstExcess(over: $0).map { "\($0.field) (max \($0.ceiling))" } }
        throw DispatcherError(
            .overWorkerLimits, "no single worker that can run \(what) allows all of these limits: \(each.joined(separator: ", ")); lower them")
    }

    /// Field by field, the highest maximum any of `ceilings` allows (none where one sets none).
    static func highest(_ ceilings: [JobLimits]) -> JobLimits {
        func top<T: Comparable>(_ key: KeyPath<JobLimits, T?>) -> T? {
            let values = ceilings.map { $0[keyPath: key] }
            return values.contains { $0 == nil } ? nil : values.compactMap { $0 }.max()
        }
        return JobLimits(
            memory: top(\.memory), cpuPercent: top(\.cpuPercent), ioBytesPerSecond: top(\.ioBytesPerSecond),
            pids: top(\.pids), timeout: top(\.timeout), disk: top(\.disk), output: top(\.output),
            netBytesPerSecond: top(\.netBytesPerSecond))
    }
}
