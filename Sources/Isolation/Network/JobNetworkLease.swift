/// One job's place on a network of this worker: its address, its end of the veth pair, its nftables
/// chain. Made by ``HostNetwork/lease(jobID:hostname:alias:network:owner:)`` before the sandbox starts,
/// attached between clone and release, given back with ``HostNetwork/release(_:)``.
public struct JobNetworkLease: NetworkAttachment {
    public let key: HostNetwork.Key
    public let address: IPv4Address
    public let gateway: IPv4Address
    public let subnet: IPv4Subnet
    /// The worker's end of the veth pair (the job's end is `eth0`).
    public let hostInterface: String
    public let bridge: String
    /// Ports of the shared `bridge` network are isolated: its jobs do not reach each other.
    let isolated: Bool
    let chain: String
    /// Bytes per second each way (`limits.net_bps`), or nil.
    public let bandwidth: Int64?
    public let etcFiles: [String: String]
    let host: HostNetwork

    public func attach(pid: Int32) throws {
        try host.attach(self, pid: pid)
    }
}
