import Foundation

/// A shipped sample config (config/worker.yml, config/dispatcher.yml) with its commented-out
/// `broker.tls` block switched on: both binaries document the same block, so one helper checks both.
public enum SampleTLSConfig {
    /// The keys of the block, as they stand commented out in the samples.
    static let keys = ["tls:", "  ca:", "  cert:", "  key:", "  verify_hostname:"]

    /// Writes `config/<sample>` into `directory` with the TLS block enabled and every certificate and
    /// key path pointing at `pem` (a placeholder PEM it writes too); returns the config's path.
    public static func write(sample: String, into directory: String, pem: String) throws -> String {
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(toFile: pem, atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: RepositoryRoot.path + "/config/" + sample, encoding: .utf8)
        let enabled = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let text = String(line)
            for key in keys where text.hasPrefix("  # \(key)") {
                let value = String(text.dropFirst(4))
                return "  " + value.replacing(/\/etc\/joblet\/[a-z-]+\.(pem|key)/, with: pem)
            }
            return text
        }.joined(separator: "\n")
        let path = directory + "/" + sample
        try enabled.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
