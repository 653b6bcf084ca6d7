/// The disk a job writes to: `/work` and `/tmp` are directories of one ``LoopFilesystem`` sized to
/// the job's disk limit. Taken from a ``DiskPool`` and given back to it when the job is over.
public struct JobDisk: Sendable {
    let filesystem: LoopFilesystem

    public var sizeBytes: Int64 { filesystem.sizeBytes }
    /// Mounted at `/work`; the upload is extracted here, so it is limited too.
    public var workDirectory: String { filesystem.mountPoint + "/work" }
    /// Mounted at `/tmp`.
    public var tmpDirectory: String { filesystem.mountPoint + "/tmp" }

    public func usage() throws(SandboxError) -> DiskUsage { try filesystem.usage() }

    /// Whether writes hit (or are about to hit) the limit; false when it cannot be told.
    public func isNearlyFull() -> Bool { (try? usage().isNearlyFull) ?? false }
}
