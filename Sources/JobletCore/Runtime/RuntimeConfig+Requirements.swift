extension RuntimeConfig {
    /// What a host needs to run this runtime.
    public struct Requirements: Sendable, Hashable {
        public var minMemory: ByteSize?
        /// Normalised (`x86_64`, `aarch64`), aliases folded; empty means any.
        public var architectures: [String]

        public init(minMemory: ByteSize? = nil, architectures: [String] = []) {
            self.minMemory = minMemory
            self.architectures = architectures
        }
    }
}
