/// Resolves a ``RuntimeSpec`` against the runtimes on offer (a worker's catalog or the fleet's adverts).
///
/// Order: an exact id wins; otherwise the language must match, the version as a prefix by components,
/// and every requested tag must be present. Among matches the runtime with the fewest extra tags wins
/// (so `python:3.11` picks `python-3.11` over `python-3.11-ml`), then the highest version.
public enum RuntimeResolver {
    /// The best runtime for `spec`, or `JobletError(.runtimeNotFound)` listing what is available.
    public static func resolve(_ spec: RuntimeSpec, in available: [RuntimeDescriptor]) throws -> RuntimeDescriptor {
        if let best = candidates(for: spec, in: available).first { return best }
        let ids = Set(available.map(\.id)).sorted()
        let list = ids.isEmpty ? "none installed" : ids.joined(separator: ", ")
        throw JobletError(.runtimeNotFound, "no runtime matches \(spec); available: \(list)")
    }

    /// Parses `text` as a spec and resolves it.
    public static func resolve(_ text: String, in available: [RuntimeDescriptor]) throws -> RuntimeDescriptor {
        try resolve(RuntimeSpec(parsing: text), in: available)
    }

    /// Every runtime that satisfies `spec`, best first.
    public static func candidates(for spec: RuntimeSpec, in available: [RuntimeDescriptor]) -> [RuntimeDescriptor] {
        let onArch = available.filter { runtime in
            guard let arch = spec.architecture, !runtime.architectures.isEmpty else { return true }
            return runtime.architectures.contains { RuntimeArchitecture.normalize($0) == arch }
        }
        if let id = spec.id {
            let exact = onArch.filter { $0.id.lowercased() == id }
            if !exact.isEmpty { return exact }
        }
        let matching = onArch.filter { runtime in
            let facts = identity(of: runtime)
            guard facts.language == spec.language else { return false }
            if let version = spec.version, !RuntimeVersion.matches(prefix: version, version: facts.version) {
                return false
            }
            return Set(spec.tags).isSubset(of: Set(facts.tags))
        }
        return matching.sorted { a, b in
            let fa = identity(of: a), fb = identity(of: b)
            let extraA = fa.tags.count, extraB = fb.tags.count
            if extraA != extraB { return extraA < extraB }
            if fa.version != fb.version { return RuntimeVersion.isLess(fb.version, fa.version) }
            return a.id < b.id
        }
    }

    /// Language, version and tags of a runtime: as advertised, else derived from its id.
    static func identity(of runtime: RuntimeDescriptor) -> (language: String, version: String, tags: [String]) {
        let derived = RuntimeName.split(runtime.id)
        let language = runtime.language.isEmpty ? derived.language : runtime.language.lowercased()
        let version = runtime.version.isEmpty ? derived.version : runtime.version
        let tags = runtime.tags.isEmpty ? derived.tags : runtime.tags.map { $0.lowercased() }
        return (language, version, tags)
    }
}
