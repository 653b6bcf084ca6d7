import JobletCore
/// Bounds on what one extraction may produce; bytes are counted as actually decompressed.
public struct ArchiveLimits: Sendable {
    /// Sum of all entries' decompressed bytes.
    public var maxTotalBytes: Int64 = 2 << 30
    public var maxEntries: Int = 200_000
    /// Decompressed bytes of a single entry.
    public var maxEntryBytes: Int64 = 2 << 30

    public init(maxTotalBytes: Int64 = 2 << 30, maxEntries: Int = 200_000, maxEntryBytes: Int64 = 2 << 30) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntries = maxEntries
        self.maxEntryBytes = maxEntryBytes
    }
}
