/// What an extraction wrote; only the extractor makes one (memberwise, internally).
public struct ExtractionSummary: Sendable, Equatable {
    /// Entries extracted (files, directories, links).
    public var entries: Int
    /// Decompressed file bytes written.
    public var bytes: Int64
}
