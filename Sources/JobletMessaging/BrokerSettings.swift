#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import JobletCore

/// Where the broker is and who we are: URLs plus credentials kept out of config files and logs.
///
/// Credentials come, in order, from the URL itself, a credentials file (`user:password` on one
/// line, mode 0600), or `JOBLET_BROKER_USER` / `JOBLET_BROKER_PASSWORD`. `tls` (a private CA,
/// a client certificate) applies to `amqps://` URLs.
public struct BrokerSettings: Sendable {
    public var urls: [String]
    public var credentialsFile: String?
    public var tls: BrokerTLS?

    public init(urls: [String], credentialsFile: String? = nil, tls: BrokerTLS? = nil) {
        self.urls = urls
        self.credentialsFile = credentialsFile
        self.tls = tls
    }

    /// A connection configuration: URLs with credentials (see `resolvedURLs`) and, when `tls` is
    /// set, its checked `TLSOptions` (errors name the setting through `tlsKeys`).
    public func configuration(
        connectionName: String, environment: [String: String],
        tlsKeys: BrokerTLS.Keys = .brokerSection
    ) throws -> AMQPConfiguration {
        var configuration = AMQPConfiguration(urls: try resolvedURLs(environment: environment), connectionName: connectionName)
        configuration.tls = try tlsOptions(keys: tlsKeys)
        configuration.login = tls?.login ?? .plain
        configuration.identifyPublishes = true
        return configuration
    }

    /// The checked TLS options of `tls`, nil without it. A `tls` block with no `amqps://` URL is an
    /// error: the user asked for TLS and would otherwise send the password in clear.
    public func tlsOptions(keys: BrokerTLS.Keys = .brokerSection) throws -> TLSOptions? {
        guard let tls else { return nil }
        let options = try tls.options(keys: keys)
        if !urls.isEmpty, !urls.contains(where: { $0.lowercased().hasPrefix("amqps://") }) {
            let shown = urls.map(Self.redact).joined(separator: ", ")
            throw JobletError(
                .invalidArgument, "\(keys.section) is set but no broker URL is amqps:// (\(shown)): use amqps://host:5671/ or remove \(keys.section)")
        }
        return options
    }

    /// The URLs with credentials filled in, ready for `AMQPConfiguration`.
    public func resolvedURLs(environment: [String: String]) throws -> [String] {
        guard !urls.isEmpty else {
            throw JobletError(.invalidArgument, "no broker URL: set --broker or JOBLET_BROKER (amqp://host:5672/)")
        }
        var user = environment["JOBLET_BROKER_USER"]
        var password = environment["JOBLET_BROKER_PASSWORD"]
        if let credentialsFile {
            let text = try FileText.read(credentialsFile).trimmingWhitespace()
            guard let colon = text.firstIndex(of: ":") else {
                throw JobletError(.invalidArgument, "credentials file \(credentialsFile): expected one line \"user:password\"")
            }
            user = String(text[..<colon])
            password = String(text[text.index(after: colon)...])
        }
        return urls.map { url in
            guard let user, !url.contains("@"), let schemeEnd = url.firstRange(of: "://") else { return url }
            // EXTERNAL login has no password: the URL only names the certificate's user.
            let userInfo =
                tls?.login == .external
                ? percentEncode(user)
                : password.map { "\(percentEncode(user)):\(percentEncode($0))" }
            guard let userInfo else { return url }
            var withUser = url
            withUser.replaceSubrange(schemeEnd, with: "://\(userInfo)@")
            return withUser
        }
    }

    /// A URL safe to print: the password replaced by `***`.
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || "-._~".unicodeScalars.contains(scalar)
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
