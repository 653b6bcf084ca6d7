/// A host path made visible inside the sandbox.
public struct MountSpec: Sendable, Equatable {
    /// Absolute host path (directory or file).
    public var source: String
    /// Absolute path inside the sandbox; created in the sandbox root when missing.
    public var target: String
    /// Mounted read-only (bind, then `MS_REMOUNT|MS_BIND|MS_RDONLY`) when true.
    public var readOnly: Bool

    public init(source: String, target: String, readOnly: Bool = true) {
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }
}
