/// A persistent host directory mounted read-write at `/volumes/<name>`.
public struct VolumeMount: Sendable, Equatable {
    /// The directory name under `/volumes`; a single path component.
    public var name: String
    /// Absolute host directory.
    public var hostPath: String

    public init(name: String, hostPath: String) {
        self.name = name
        self.hostPath = hostPath
    }
}
