import JobletCore

/// Matchmaking: picks the `<runtime>@<arch>` target for a request from what live workers offer.
/// Anything that cannot run is rejected at once with why and what exists — never left queued forever.
public enum Matchmaker {
    public static func route(_ request: JobRequest, workers: [WorkerAdvert]) throws -> Route {
        let online = workers.filter { $0.status == .online }
        var arch = request.arch.flatMap(Architecture.normalize)
        var spec = request.runtime
        if let text = spec, let at = text.lastIndex(of: "@") {
            // `python:3.11@aarch64`: the arch suffix of a spec is the same constraint as `arch`.
            let suffix = String(text[text.index(after: at)...])
            guard let specArch = Architecture.normalize(suffix) else {
                throw DispatcherError(.invalidRequest, "runtime: \"\(text)\" has an unknown architecture \"\(suffix)\"; use x86_64 (amd64) or aarch64 (arm64)")
            }
            if let arch, arch != specArch {
                throw DispatcherError(.invalidRequest, "runtime: \"\(text)\" asks for \(specArch) but arch is \(arch); give one of them")
            }
            arch = specArch
            spec = String(text[..<at])
        }
        let onArch = online.filter { arch == nil || $0.arch == arch }
        guard !onArch.isEmpty else {
            throw DispatcherError(.noWorkers, noWorkersMessage(arch: arch, workers: workers))
        }

        var runtime: RuntimeDescriptor?
        var capable = onArch
        if let spec {
            var offered: [String: RuntimeDescriptor] = [:]
            for worker in onArch {
                for descriptor in worker.runtimes where descriptor.architectures.isEmpty || descriptor.architectures.contains(worker.arch) {
                    offered[descriptor.id] = descriptor
                }
            }
            let resolved = try resolve(
                spec: spec, among: offered.values.sorted { $0.id < $1.id },
                fleetWide: Set(online.flatMap { $0.runtimes.map(\.id) }), arch: arch)
            runtime = resolved
            capable = onArch.filter { $0.runtimes.contains { $0.id == resolved.id } }
        }

        if let memory = request.limits?.memory {
            if let runtime, let minimum = runtime.minMemory, memory.bytes < minimum {
                throw DispatcherError(
                    .insufficientMemory,
                    "limits.memory: \(memory) is below what \(runtime.id) needs (requirements.min_memory \(ByteSize(bytes: minimum))); raise limits.memory")
            }
            let largest = capable.map(\.memoryTotal).max() ?? 0
            capable = capable.filter { $0.memoryTotal >= memory.bytes }
            guard !capable.isEmpty else {
                throw DispatcherError(
                    .insufficientMemory,
                    "limits.memory: \(memory) is more than any worker that can run \(runtime?.id ?? "host jobs") has (largest: \(ByteSize(bytes: largest))); lower limits.memory"
                )
            }
        }

        if let limits = request.limits {
            capable = try fitting(limits, among: capable, what: runtime?.id ?? "host jobs")
        }

        let network = request.jobNetwork
        capable = try offering(network, among: capable, what: runtime?.id ?? "host jobs")
        let chosenArch = arch ?? bestArch(capable)
        return Route(runtime: runtime, arch: chosenArch, network: network.needsNetworkQueue)
    }

    /// The architecture whose capable workers have the most free slots (ties: alphabetical).
    static func bestArch(_ workers: [WorkerAdvert]) -> String {
        var free: [String: Int] = [:]
        for worker in workers { free[worker.arch, default: 0] += max(0, worker.slotsFree) }
        return free.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.first?.key ?? Architecture.host
    }

    static func noWorkersMessage(arch: String?, workers: [WorkerAdvert]) -> String {
        let known = workers.map { "\($0.workerID) (\($0.arch), \($0.status.rawValue))" }
        let what = arch.map { "no online worker for \($0)" } ?? "no online worker"
        return known.isEmpty ? "\(what); start a joblet-worker" : "\(what); workers: \(known.joined(separator: ", "))"
    }
}
