#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore
import Synchronization
import SystemCalls

/// The networks of one worker: a bridge per network (the shared `bridge` one, isolated ports; one per
/// named network of a submitter, made with its first job and removed with its last), an address per
/// job from the policy's pool, NAT outbound, and one nftables table holding the policy and a chain
/// per job. Every name carries the worker's tag, so a restarted worker finds (and sweeps) exactly
/// what its predecessor left. All methods block on `ip`/`nft`: call the async ones from async code.
public final class HostNetwork: Sendable {
    /// A network of this worker: the shared `bridge` one, or `name` of `owner`.
    public enum Key: Sendable, Hashable {
        case shared
        case named(owner: String, name: String)
    }

    struct Member: Sendable {
        var names: [String]
    }

    struct Network: Sendable {
        var index: Int
        var subnet: IPv4Subnet
        var bridge: String
        var hostsFile: String?
        /// Host index in the subnet (2...) -> who holds it.
        var members: [Int: Member] = [:]
    }

    struct State: Sendable {
        var networks: [Key: Network] = [:]
        var counter = 0
    }

    /// Four hex digits from the worker id: names are `jb<tag>-<n>` (bridges), `jv<tag><n>` (veths),
    /// `joblet_<tag>` (the nftables table). Interface names have at most 15 bytes.
    public let tag: String
    public let policy: NetworkPolicy
    /// `<state_dir>/network`: the jobs' resolv.conf and each named network's hosts file.
    let directory: String
    private let state = Mutex(State())

    public init(workerID: String, directory: String, policy: NetworkPolicy) {
        var hash: UInt32 = 2_166_136_261
        for byte in workerID.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash & 0xffff, radix: 16)
        tag = String(repeating: "0", count: 4 - hex.count) + hex
        self.directory = directory
        self.policy = policy
    }

    var table: String { "joblet_\(tag)" }
    var bridgePrefix: String { "jb\(tag)-" }
    var vethPrefix: String { "jv\(tag)" }
    var resolvConf: String { directory + "/resolv.conf" }

    // MARK: - Start and stop

    /// Sweeps what a predecessor left, then makes the table, the shared bridge and the jobs' resolv.conf.
    /// Returns how many leftovers were removed.
    @discardableResult
    public func start() throws(SandboxError) -> Int {
        try policy.validate()
        let missing = NetworkTool.missing
        guard missing.isEmpty else {
            throw .network("network", "bridged jobs need \(missing.joined(separator: ", ")); install them (scripts/setup does)")
        }
        let removed = try sweep()
        try makeDirectory()
        // Its own tmpfs: a job's /proc/self/mountinfo then shows `/resolv.conf`, never the state dir.
        try Mounts.mount(
            "joblet-network", on: directory, type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC),
            data: "mode=0755,size=1m")
        try writeFile(resolvConf, Self.resolvConf(policy.dns))
        try Self.sysctl("net/ipv4/ip_forward", "1")
        try NetworkTool.run(["nft", "-f", "-"], input: tableRules(), stage: "nft table \(table)")
        _ = try state.withLock { state throws(SandboxError) in try self.network(for: .shared, in: &state) }
        return removed
    }

    /// Removes everything: jobs' interfaces, bridges, the table and the files.
    public func stop() {
        _ = try? sweep()
        state.withLock { $0 = State() }
    }

    // MARK: - Leases

    /// A place for a job on `network` (`bridge` or a named one of `owner`); makes the network's bridge
    /// when it is its first job, and the job's nftables chain. `alias`: another name the job is known
    /// by on a named network (its `name`, when that is a valid host name).
    public func lease(
        jobID: String, hostname: String, alias: String?, network: JobNetwork, owner: String,
        bandwidth: Int64? = nil
    ) throws(SandboxError) -> JobNetworkLease {
        let key: Key
        switch network {
        case .none: throw .network("network", "a job without a network needs no lease")
        case .bridge: key = .shared
        case .named(let name): key = .named(owner: owner, name: name)
        }
        // Only the network's state is under the lock; the job's own rules are its own (unique chain).
        let lease = try state.withLock { state throws(SandboxError) -> JobNetworkLease in
            var net = try self.network(for: key, in: &state)
            guard let index = (2...max(2, net.subnet.hostCount)).first(where: { net.members[$0] == nil }),
                let address = net.subnet.host(index), let gateway = net.subnet.host(1)
            else {
                try? removeIfEmpty(key, &state)
                throw .network("network \(network.wireValue)", "all \(net.subnet.hostCount - 1) addresses of \(net.subnet) are in use; wait for jobs to end")
            }
            state.counter += 1
            let suffix = String(state.counter, radix: 36)
            net.members[index] = Member(names: [hostname] + (alias.map { [$0] } ?? []))
            state.networks[key] = net
            var etc = ["resolv.conf": resolvConf]
            if let hostsFile = net.hostsFile {
                try? writeHosts(net)
                etc["hosts"] = hostsFile
            }
            return JobNetworkLease(
                key: key, address: address, gateway: gateway, subnet: net.subnet,
                hostInterface: vethPrefix + suffix, bridge: net.bridge, isolated: key == .shared,
                chain: "job_\(suffix)", bandwidth: bandwidth, etcFiles: etc, host: self)
        }
        do {
            try NetworkTool.run(
                ["nft", "-f", "-"],
                input: jobRules(
                    chain: lease.chain, address: lease.address, subnet: lease.subnet,
                    ownNetwork: !lease.isolated),
                stage: "nft rules of job \(JobID.short(jobID))")
        } catch {
            _ = state.withLock { state in forget(lease, &state) }  // the nft error is the one to report
            throw error
        }
        return lease
    }

    /// Moves the job's end of a new veth pair into `pid`'s network namespace as `eth0`, with its address
    /// and default route, and plugs the other end into the network's bridge.
    func attach(_ lease: JobNetworkLease, pid: Int32) throws(SandboxError) {
        let interface = lease.hostInterface
        var host = """
            link add \(interface) type veth peer name eth0 netns \(pid)
            link set \(interface) master \(lease.bridge)

            """
        if lease.isolated { host += "link set dev \(interface) type bridge_slave isolated on\n" }
        host += "link set \(interface) up\n"
        try NetworkTool.run(["ip", "-b", "-"], input: host, stage: "veth \(interface)")
        let job = """
            addr add \(lease.address)/\(lease.subnet.prefix) dev eth0
            link set eth0 up
            route add default via \(lease.gateway)

            """
        try NetworkTool.run(
            ["nsenter", "--net=/proc/\(pid)/ns/net", "ip", "-b", "-"], input: job,
            stage: "address \(lease.address) of the job")
        if let bandwidth = lease.bandwidth {
            // Each way: what the job receives leaves the host's end, what it sends leaves its eth0.
            let shaper = Self.shaper(bytesPerSecond: bandwidth)
            try NetworkTool.run(["tc", "qdisc", "add", "dev", interface, "root"] + shaper, stage: "limits.net_bps on \(interface)")
            try NetworkTool.run(
                ["nsenter", "--net=/proc/\(pid)/ns/net", "tc", "qdisc", "add", "dev", "eth0", "root"] + shaper,
                stage: "limits.net_bps in the job")
        }
    }

    /// Removes the job's interface (normally gone with its namespace already), its chain and its
    /// hosts entry; the bridge of a named network goes with its last job. Reports what it could not remove.
    public func release(_ lease: JobNetworkLease) throws(SandboxError) {
        var firstError: SandboxError?
        if if_nametoindex(lease.hostInterface) != 0 {
            do throws(SandboxError) { try NetworkTool.run(["ip", "link", "del", lease.hostInterface], stage: "remove \(lease.hostInterface)") } catch {
                // Gone between the check and the call (its namespace ended): fine.
                if if_nametoindex(lease.hostInterface) != 0 { firstError = error }
            }
        }
        let rules = """
            delete element inet \(table) jobs { \(lease.address) }
            delete chain inet \(table) \(lease.chain)

            """
        do throws(SandboxError) { try NetworkTool.run(["nft", "-f", "-"], input: rules, stage: "remove nft chain \(lease.chain)") } catch {
            firstError = firstError ?? error
        }
        if let error = state.withLock({ state in forget(lease, &state) }) { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }

    /// Gives the address back, rewrites the hosts file, and removes a named network left without jobs.
    private func forget(_ lease: JobNetworkLease, _ state: inout State) -> SandboxError? {
        guard var net = state.networks[lease.key], net.subnet.contains(lease.address) else { return nil }
        net.members[Int(lease.address.value - net.subnet.address.value)] = nil
        state.networks[lease.key] = net
        if net.hostsFile != nil { try? writeHosts(net) }
        do throws(SandboxError) { try removeIfEmpty(lease.key, &state) } catch { return error }
        return nil
    }

    public func lease(
        jobID: String, hostname: String, alias: String?, network: JobNetwork, owner: String,
        bandwidth: Int64? = nil
    ) async throws(SandboxError) -> JobNetworkLease {
        try await BlockingExecutor.shared.run { () throws(SandboxError) in
            try self.lease(jobID: jobID, hostname: hostname, alias: alias, network: network, owner: owner, bandwidth: bandwidth)
        }
    }

    /// A token bucket at the rate, with a burst of 20 ms of it (at least 16 KiB, so full-size packets pass).
    static func shaper(bytesPerSecond: Int64) -> [String] {
        let burst = max(bytesPerSecond / 50, 16 << 10)
        return ["tbf", "rate", "\(bytesPerSecond * 8)bit", "burst", "\(burst)", "latency", "100ms"]
    }

    public func release(_ lease: JobNetworkLease) async throws(SandboxError) {
        try await BlockingExecutor.shared.run { () throws(SandboxError) in try self.release(lease) }
    }

    /// How many jobs hold an address now (for tests and metrics).
    public var leaseCount: Int { state.withLock { $0.networks.values.reduce(0) { $0 + $1.members.count } } }

    // MARK: - Networks

    /// The network of `key`, made (bridge, address, hosts file) when it does not exist yet.
    private func network(for key: Key, in state: inout State) throws(SandboxError) -> Network {
        if let existing = state.networks[key] { return existing }
        let used = Set(state.networks.values.map(\.index))
        let count = policy.pool.subnetCount(prefix: policy.subnetPrefix)
        // Index 0 is the shared network's: it always exists while the worker serves.
        let index = key == .shared ? 0 : (1..<max(1, count)).first { !used.contains($0) }
        guard let index, let subnet = policy.pool.subnet(index, prefix: policy.subnetPrefix),
            let gateway = subnet.host(1)
        else {
            throw .network(
                "network", "no free /\(policy.subnetPrefix) left in network.pool \(policy.pool) for another network; remove unused networks or enlarge the pool"
            )
        }
        let bridge = bridgePrefix + String(index)
        do {
            try NetworkTool.run(
                ["ip", "-b", "-"],
                input: """
                    link add \(bridge) type bridge
                    addr add \(gateway)/\(subnet.prefix) dev \(bridge)
                    link set \(bridge) up

                    """, stage: "bridge \(bridge)")
        } catch {
            // Half made (a batch stops at its first error): gone, so the next try can make it.
            if if_nametoindex(bridge) != 0 { _ = try? NetworkTool.run(["ip", "link", "del", bridge], stage: "remove \(bridge)") }
            throw error
        }
        // The bridge gets no IPv6 link-local address: jobs have no IPv6 way out or in.
        try? Self.sysctl("net/ipv6/conf/\(bridge)/disable_ipv6", "1")
        var net = Network(index: index, subnet: subnet, bridge: bridge)
        if case .named = key { net.hostsFile = "\(directory)/\(bridge).hosts" }
        state.networks[key] = net
        if net.hostsFile != nil { try writeHosts(net) }
        return net
    }

    /// A named network without jobs goes: its bridge and its hosts file.
    private func removeIfEmpty(_ key: Key, _ state: inout State) throws(SandboxError) {
        guard key != .shared, let net = state.networks[key], net.members.isEmpty else { return }
        state.networks[key] = nil
        if let hostsFile = net.hostsFile { unlink(hostsFile) }
        try NetworkTool.run(["ip", "link", "del", net.bridge], stage: "remove bridge \(net.bridge)")
    }
}
