extension RuntimeCatalog {
    /// One installed runtime.
    public struct Entry: Sendable {
        public var descriptor: RuntimeDescriptor
        /// The runtime directory (holding runtime.yml); mount sources are relative to it.
        public var directory: String
        public var config: RuntimeConfig
        public var warnings: [YAMLWarning]
        /// Why the host cannot run it (architecture, memory), or nil when it can.
        public var incompatibility: String?

        public var isCompatible: Bool { incompatibility == nil }
    }
}
