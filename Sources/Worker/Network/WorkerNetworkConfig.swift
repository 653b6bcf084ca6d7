import Isolation
import JobletCore

/// worker.yml `network`: whether this worker offers networks to jobs, and the policy for them.
public struct WorkerNetworkConfig: Sendable, Decodable, Equatable {
    /// Off by default: a worker touches its host's network (bridges, forwarding, nftables) only when asked to.
    public var enabled = false
    public var pool = NetworkPolicy.defaultPool
    public var subnetPrefix = 24
    /// Empty: the host's own nameservers (from /etc/resolv.conf), unless on loopback.
    public var dns: [IPv4Address] = []
    public var allow: [IPv4Subnet] = []
    public var deny: [IPv4Subnet] = []

    public init() {}

    /// The modes advertised (WorkerAdvert.networks).
    public var modes: [String] { enabled ? JobNetwork.modes : [JobNetwork.noneMode] }

    enum CodingKeys: String, CodingKey { case enabled, pool, subnetPrefix = "subnet_prefix", dns, allow, deny }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        subnetPrefix = try container.decodeIfPresent(Int.self, forKey: .subnetPrefix) ?? subnetPrefix
        if let text = try container.decodeIfPresent(String.self, forKey: .pool) {
            guard let subnet = IPv4Subnet(text) else {
                throw WorkerError(.invalidConfig, "network.pool: \"\(text)\" is not an IPv4 network like 10.89.0.0/16 (host bits zero)")
            }
            pool = subnet
        }
        dns = try (container.decodeIfPresent([String].self, forKey: .dns) ?? []).enumerated().map { index, text in
            guard let address = IPv4Address(text) else {
                throw WorkerError(.invalidConfig, "network.dns[\(index)]: \"\(text)\" is not an IPv4 address like 1.1.1.1")
            }
            return address
        }
        allow = try Self.subnets(container, .allow)
        deny = try Self.subnets(container, .deny)
        do {
            try NetworkPolicy(pool: pool, subnetPrefix: subnetPrefix).validate()
        } catch {
            throw WorkerError(.invalidConfig, error.message)
        }
    }

    private static func subnets(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [IPv4Subnet] {
        try (container.decodeIfPresent([String].self, forKey: key) ?? []).enumerated().map { index, text in
            guard let subnet = IPv4Subnet(text) else {
                throw WorkerError(.invalidConfig, "network.\(key.rawValue)[\(index)]: \"\(text)\" is not an IPv4 network like 192.168.5.0/24 or an address")
            }
            return subnet
        }
    }

    /// The policy in effect, with the broker endpoints (never reachable from a job) and the DNS servers.
    func policy(brokerURLs: [String], hostResolvConf: String = "/etc/resolv.conf") -> NetworkPolicy {
        NetworkPolicy(
            pool: pool, subnetPrefix: subnetPrefix,
            dns: dns.isEmpty ? HostNameservers.read(hostResolvConf) : dns,
            allow: allow, deny: deny, brokers: BrokerEndpoints.resolve(brokerURLs))
    }
}
