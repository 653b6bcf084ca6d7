import JobletCore
/// What an extraction wrote.
public struct ExtractionSummary: Sendable, Equatable {
    /// Entries extracted (files, directories, links).
    public var entries: Int
    /// Decompressed file bytes written.
    public var bytes: Int64

    public init(entries: Int, bytes: Int64) {
        self.entries = entries
        self.bytes = bytes
    }
}
