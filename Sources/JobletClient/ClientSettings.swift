import AMQP
import JobletCore
import JobletMessaging

/// Where the broker is, who logs in and how long to wait: everything `ClusterClient.connect` needs.
/// rnx builds it from its flags, the environment and rnx.yml; a service builds it from its own config.
public struct ClientSettings: Sendable {
    /// Broker URLs with the credentials filled in (from the URL, a credentials file or the environment).
    public var urls: [String]
    /// For amqps URLs: the checked CA / client certificate; nil = the AMQP library's defaults (system CAs).
    public var tls: TLSOptions?
    /// `external`: log in with the client certificate instead of a password.
    public var login: AMQPConfiguration.LoginMethod = .plain
    /// The broker user: RabbitMQ checks `user_id` against it, so the dispatcher knows who submitted.
    public var user: String
    /// How long the broker may take to accept the connection.
    public var connectTimeout: Duration
    /// How long the dispatcher may take to answer one request (a submission, a query).
    public var rpcTimeout: Duration
    /// Inline uploads larger than this are refused before sending (the dispatcher enforces its own).
    public var maxUploadBytes: Int64
    /// Shown in the broker's connection list.
    public var connectionName = "joblet-client"

    /// Credentials come from the URL, else `credentialsFile` (`user:password`), else
    /// `JOBLET_BROKER_USER` / `JOBLET_BROKER_PASSWORD` in `environment`; errors name `tlsKeys`.
    public init(
        urls: [String], credentialsFile: String? = nil, tls: BrokerTLS? = nil,
        tlsKeys: BrokerTLS.Keys = .brokerSection, environment: [String: String] = [:],
        connectTimeout: Duration = .seconds(5), rpcTimeout: Duration = .seconds(30),
        maxUploadBytes: Int64 = 8 << 20
    ) throws {
        do {
            let broker = BrokerSettings(urls: urls, credentialsFile: credentialsFile, tls: tls)
            self.urls = try broker.resolvedURLs(environment: environment)
            self.tls = try broker.tlsOptions(keys: tlsKeys)
            self.login = tls?.login ?? .plain
        } catch let error as JobletError {
            throw JobletClientError(.usage, error.message)
        }
        self.user = ClientSettings.user(of: self.urls[0])
        self.connectTimeout = connectTimeout
        self.rpcTimeout = rpcTimeout
        self.maxUploadBytes = maxUploadBytes
    }

    /// The user part of `amqp://user:pass@host/`, percent-decoded; `guest` when absent (AMQP default).
    static func user(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "guest" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix(while: { $0 != "/" })
        guard let at = authority.lastIndex(of: "@") else { return "guest" }
        let userInfo = authority[..<at]
        let user = userInfo.prefix(while: { $0 != ":" })
        return percentDecode(String(user))
    }

    /// `host:port` of a URL, for error messages.
    static func hostPort(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
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
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
