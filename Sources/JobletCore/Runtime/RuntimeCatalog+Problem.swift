extension RuntimeCatalog {
    /// A runtime directory that could not be loaded.
    public struct Problem: Sendable, Equatable {
        public var path: String
        public var error: JobletError
    }
}
