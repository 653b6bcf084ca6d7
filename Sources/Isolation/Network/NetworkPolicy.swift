/// An address and port, e.g. a broker's `198.18.0.2:5672`.
public struct IPv4Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var address: IPv4Address
    public var port: UInt16
    public init(address: IPv4Address, port: UInt16) {
        self.address = address
        self.port = port
    }
    public var description: String { "\(address):\(port)" }
}

/// Where bridged jobs' addresses come from and what they may reach (worker.yml `network`).
///
/// In order: a job reaches its own network; never the broker, other job networks or the worker
/// host itself; DNS on port 53 of `dns`; `allow`; never `denied` (private, link-local/metadata,
/// loopback, multicast and reserved ranges, plus worker.yml `deny`); anything else, through NAT.
public struct NetworkPolicy: Sendable, Equatable {
    /// Addresses for job networks; each network (the shared `bridge` one and each named one) gets a subnet.
    public var pool: IPv4Subnet
    /// Prefix length of each network's subnet in `pool` (worker.yml `network.subnet_prefix`, 16-28).
    public var subnetPrefix: Int
    /// The job's resolv.conf nameservers (at most 3 are written).
    public var dns: [IPv4Address]
    /// Destinations a job may reach even though they are in `denied`.
    public var allow: [IPv4Subnet]
    /// Unreachable unless in `allow`: `defaultDenied` plus worker.yml `deny`.
    public var denied: [IPv4Subnet]
    /// Never reachable from a job, whatever `allow` says.
    public var brokers: [IPv4Endpoint]

    public init(
        pool: IPv4Subnet = Self.defaultPool, subnetPrefix: Int = 24, dns: [IPv4Address] = [],
        allow: [IPv4Subnet] = [], deny: [IPv4Subnet] = [], brokers: [IPv4Endpoint] = []
    ) {
        self.pool = pool
        self.subnetPrefix = subnetPrefix
        self.dns = dns
        self.allow = allow
        self.denied = Self.defaultDenied + deny
        self.brokers = brokers
    }

    /// `pool` when worker.yml `network.pool` is not given.
    public static let defaultPool = IPv4Subnet(address: IPv4Address(0x0A59_0000), clampedPrefix: 16)  // 10.89.0.0/16
    /// RFC 1918 and shared address space (the host's private networks), link-local (cloud metadata
    /// at 169.254.169.254), "this network", loopback, multicast and reserved.
    public static let defaultDenied: [IPv4Subnet] = [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
        "169.254.0.0/16", "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4",
        "240.0.0.0/4",
    ].compactMap(IPv4Subnet.init)

    /// Checks what nftables and the address plan need; the error says which key to fix.
    public func validate() throws(SandboxError) {
        guard (16...28).contains(subnetPrefix), subnetPrefix >= pool.prefix + 1 else {
            throw .network(
                "network.subnet_prefix", "\(subnetPrefix) must be 16-28 and longer than the pool's /\(pool.prefix) (each network needs a subnet of its own)")
        }
        guard pool.prefix >= 8 else { throw .network("network.pool", "\(pool) is too large; give /8 or smaller") }
        if let endpoint = brokers.first(where: { pool.contains($0.address) }) {
            throw .network("network.pool", "\(pool) holds the broker \(endpoint); choose a pool no host of yours uses")
        }
    }
}
