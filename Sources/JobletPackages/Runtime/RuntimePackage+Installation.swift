import JobletCore
extension RuntimePackage {
    /// What ``install(package:basePath:expectedSHA256:force:)`` did.
    public struct Installation: Sendable {
        public var config: RuntimeConfig
        public var warnings: [YAMLWarning]
        /// `<base>/<language>/<name>`.
        public var directory: String
        /// True when an installed runtime of the same name was replaced.
        public var replaced: Bool
    }
}
