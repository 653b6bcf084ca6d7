import JobletCore

extension Matchmaker {
    /// Resolves `spec` with the core `RuntimeResolver` against the runtimes offered on the allowed
    /// architecture. The rejection lists what exists, naming runtimes only found on other architectures.
    static func resolve(spec: String, among offered: [RuntimeDescriptor], fleetWide: Set<String>, arch: String?) throws -> RuntimeDescriptor {
        do {
            return try RuntimeResolver.resolve(spec, in: offered)
        } catch let error as JobletError where error.code == .runtimeNotFound {
            var message = error.message
            let elsewhere = fleetWide.subtracting(offered.map(\.id)).sorted()
            if let arch, !elsewhere.isEmpty {
                message += " (on \(arch); other architectures offer: \(elsewhere.joined(separator: ", ")))"
            }
            throw DispatcherError(.unknownRuntime, message)
        } catch let error as JobletError {
            throw DispatcherError(.invalidRequest, "runtime: \(error.message)")
        }
    }
}
