/// A persistent host directory mounted at `/volumes/<name>`, read-write unless `readOnly`.
public struct VolumeMount: Sendable, Equatable {
    /// The directory name under `/volumes`; a single path component.
    public var name: String
    /// Absolute host directory.
    public var hostPath: String
    /// Shared with the job's submitter read-only: writes fail with EROFS.
    public var readOnly: Bool

    public init(name: String, hostPath: String, readOnly: Bool = false) {
        self.name = name
        self.hostPath = hostPath
        self.readOnly = readOnly
    }
}
