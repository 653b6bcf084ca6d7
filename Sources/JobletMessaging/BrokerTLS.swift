#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import JobletCore
import SystemCalls

/// The `tls:` block of a broker section, read the same way by worker.yml, dispatcher.yml and rnx.yml:
///
/// ```yaml
/// tls:
///   ca: /etc/joblet/broker-ca.pem     # PEM CA that signed the broker's certificate; absent = system CAs
///   cert: /etc/joblet/client.pem      # client certificate, for brokers that ask for one (with key)
///   key: /etc/joblet/client.key
///   verify_hostname: true             # the certificate must name the URL's host
///   login: external                   # log in with the client certificate (CN = user), no password
/// ```
///
/// It applies to `amqps://` URLs only; `options(keys:)` turns it into the AMQP library's `TLSOptions`.
public struct BrokerTLS: Sendable, Equatable, Decodable {
    /// PEM file of the CA(s) that sign the broker's certificate; nil = the system CA bundle.
    public var ca: String?
    /// PEM client certificate (mutual TLS); needs `key`.
    public var cert: String?
    /// PEM private key of `cert`.
    public var key: String?
    /// Check that the broker's certificate names the URL's host (default true).
    public var verifyHostname: Bool
    /// `external`: log in with the client certificate (SASL EXTERNAL; the broker maps its CN to the
    /// user); `plain` (default): user and password.
    public var login: AMQPConfiguration.LoginMethod

    public init(
        ca: String? = nil, cert: String? = nil, key: String? = nil, verifyHostname: Bool = true,
        login: AMQPConfiguration.LoginMethod = .plain
    ) {
        self.ca = ca
        self.cert = cert
        self.key = key
        self.verifyHostname = verifyHostname
        self.login = login
    }

    enum CodingKeys: String, CodingKey { case ca, cert, key, verifyHostname = "verify_hostname", login }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ca = try container.decodeIfPresent(String.self, forKey: .ca)
        cert = try container.decodeIfPresent(String.self, forKey: .cert)
        key = try container.decodeIfPresent(String.self, forKey: .key)
        verifyHostname = try container.decodeIfPresent(Bool.self, forKey: .verifyHostname) ?? true
        let loginText = try container.decodeIfPresent(String.self, forKey: .login) ?? "plain"
        guard let login = AMQPConfiguration.LoginMethod(rawValue: loginText) else {
            throw JobletError(
                .invalidArgument, "login: \"\(loginText)\" is not a login method; use plain (user and password) or external (the client certificate)")
        }
        self.login = login
    }

    /// How the user spells each setting, so an error names the key or flag to fix.
    public struct Keys: Sendable {
        /// The settings as a whole, e.g. `broker.tls`.
        public var section: String
        /// How the user spells `ca`: `broker.tls.ca`, rnx's `--tls-ca`, …
        public var ca: String
        /// How the user spells `cert`.
        public var cert: String
        /// How the user spells `key`.
        public var key: String

        public init(section: String, ca: String, cert: String, key: String) {
            self.section = section
            self.ca = ca
            self.cert = cert
            self.key = key
        }

        /// `broker.tls.ca` etc., as in worker.yml and dispatcher.yml.
        public static let brokerSection = Keys(
            section: "broker.tls", ca: "broker.tls.ca", cert: "broker.tls.cert",
            key: "broker.tls.key")
    }

    /// The AMQP library's options, after checking that every file named is a readable PEM file
    /// and that `cert` and `key` come together. Errors name the key (see `Keys`) and what to do.
    public func options(keys: Keys = .brokerSection) throws -> TLSOptions {
        if let ca {
            try Self.checkPEM(
                ca, key: keys.ca,
                what: "the PEM file of the CA that signed the broker's certificate, or leave \(keys.ca) out to use the system CAs")
        }
        switch (cert, key) {
        case (nil, nil):
            break
        case let (cert?, key?):
            try Self.checkPEM(cert, key: keys.cert, what: "the PEM client certificate the broker accepts")
            try Self.checkPEM(key, key: keys.key, what: "the PEM private key of \(keys.cert)")
        case (_?, nil):
            throw JobletError(.invalidArgument, "\(keys.cert) is set but \(keys.key) is not: give the client certificate's private key too, or neither")
        case (nil, _?):
            throw JobletError(.invalidArgument, "\(keys.key) is set but \(keys.cert) is not: give the client certificate too, or neither")
        }
        if login == .external, cert == nil {
            throw JobletError(
                .invalidArgument,
                "\(keys.section).login is external but \(keys.cert) is not set: EXTERNAL login is the client certificate, so give \(keys.cert) and \(keys.key)")
        }
        return TLSOptions(caCertificatePath: ca, certificatePath: cert, keyPath: key, verifyHostname: verifyHostname)
    }

    /// librabbitmq only says "cannot load" much later; this says which setting points where.
    private static func checkPEM(_ path: String, key: String, what: String) throws {
        guard !path.isEmpty else {
            throw JobletError(.invalidArgument, "\(key) is empty: give \(what)")
        }
        guard access(path, R_OK) == 0 else {
            let reason = errnoText()
            throw JobletError(.invalidArgument, "\(key): cannot read \(path) (\(reason)): give \(what)")
        }
        let text: String
        do {
            text = try FileText.read(path)
        } catch let error as JobletError {
            throw JobletError(.invalidArgument, "\(key): cannot read \(path): give \(what)", cause: error.message)
        }
        guard text.contains("-----BEGIN ") else {
            throw JobletError(.invalidArgument, "\(key): \(path) is not a PEM file (no \"-----BEGIN\" line): give \(what)")
        }
    }
}
