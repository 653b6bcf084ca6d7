extension RuntimeConfig {
    /// A directory of the runtime bind-mounted into every job of it.
    public struct Mount: Sendable, Hashable {
        /// Relative to the runtime directory, normalised (`venv/bin`); never leaves it.
        public var source: String
        /// Absolute path inside the job (`/usr/local/bin`).
        public var target: String
        public var readonly: Bool

        public init(source: String, target: String, readonly: Bool = true) {
            self.source = source
            self.target = target
            self.readonly = readonly
        }
    }
}
