/// `runtime.yml` `type`: how the runtime was made.
public enum RuntimeKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Built once, never changes (e.g. a JDK).
    case `static`
    /// Built by a recipe with packages from a package manager.
    case managed
    /// Provided by the host system.
    case system
}
