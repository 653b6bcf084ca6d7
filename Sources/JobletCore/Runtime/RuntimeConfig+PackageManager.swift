extension RuntimeConfig {
    /// The package manager jobs of this runtime use, and the volume that caches its downloads.
    public struct PackageManager: Sendable, Hashable {
        /// `pip`, `npm`, `maven`, …
        public var type: String
        public var cacheVolume: String?

        public init(type: String, cacheVolume: String? = nil) {
            self.type = type
            self.cacheVolume = cacheVolume
        }
    }
}
