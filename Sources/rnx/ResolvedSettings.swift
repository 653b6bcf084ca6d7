import AMQP
import JobletCore
import JobletMessaging

/// Broker URLs (credentials filled in) and client limits, after flags, environment and rnx.yml.
struct ResolvedSettings: Sendable {
    var urls: [String]
    /// For amqps URLs: the checked CA / client certificate; nil = the AMQP library's defaults (system CAs).
    var tls: TLSOptions?
    /// `tls.login: external` in rnx.yml: log in with the client certificate.
    var login: AMQPConfiguration.LoginMethod = .plain
    var config: ClientConfig
    /// The broker user: RabbitMQ checks `user_id` against it, so the dispatcher knows who submitted.
    var user: String
    var connectTimeout: Duration
    var rpcTimeout: Duration
    var maxUploadBytes: Int64

    init(urls: [String], credentialsFile: String?, tls: BrokerTLS? = nil, tlsKeys: BrokerTLS.Keys = .brokerSection,
         environment: [String: String], config: ClientConfig) throws {
        do {
            let broker = BrokerSettings(urls: urls, credentialsFile: credentialsFile, tls: tls)
            self.urls = try broker.resolvedURLs(environment: environment)
            self.tls = try broker.tlsOptions(keys: tlsKeys)
            self.login = tls?.login ?? .plain
        } catch let error as JobletError {
            throw RNXError(.usage, error.message)
        }
        self.config = config
        self.user = ResolvedSettings.user(of: self.urls[0])
        self.connectTimeout = .milliseconds(Int64((config.connectTimeout?.seconds ?? 5) * 1000))
        self.rpcTimeout = .milliseconds(Int64((config.rpcTimeout?.seconds ?? 30) * 1000))
        self.maxUploadBytes = config.maxUpload?.bytes ?? (8 << 20)
    }

    /// The user part of `amqp://user:pass@host/`, percent-decoded; `guest` when absent (AMQP default).
    static func user(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "guest" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix(while: { $0 != "/" })
        guard let at = authority.lastIndex(of: "@") else { return "guest" }
        let userInfo = authority[..<at]
        let user = userInfo.prefix(while: { $0 != ":" })
        return percentDecode(String(user))
    }

    /// `host:port` of a URL, for error messages.
    static func hostPort(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        var authority = url[schemeEnd.upperBound...].prefix(while: { $0 != "/" })
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.contains(":") { return String(authority) }
        return "\(authority):\(url.hasPrefix("amqps") ? 5671 : 5672)"
    }

    static func percentDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Redaction without depending on where the helper lives.
enum BrokerSettingsRedaction {
    static func redact(_ url: String) -> String { BrokerSettings.redact(url) }
}
