import JobletCore

extension Matchmaker {
    /// Keeps the workers that offer the request's network mode (adverts without `networks` offer only
    /// `none`); throws `network_unavailable` saying who offers what when none of the capable ones does.
    static func offering(_ network: JobNetwork, among capable: [WorkerAdvert], what: String) throws -> [WorkerAdvert] {
        let offering = capable.filter { ($0.networks ?? [JobNetwork.noneMode]).contains(network.mode) }
        guard offering.isEmpty, !capable.isEmpty else { return offering }
        let modes = Set(capable.flatMap { $0.networks ?? [JobNetwork.noneMode] }).sorted()
        let asked = network.mode == JobNetwork.namedMode ? "named networks (\(network.wireValue))" : "network \(network.mode)"
        throw DispatcherError(
            .networkUnavailable,
            "network: no worker that can run \(what) offers \(asked); they offer: \(modes.joined(separator: ", ")). Use one of those, or enable it in a worker's worker.yml (network.modes)"
        )
    }
}
