#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension HostNetwork {
    /// The worker's table: the policy's sets, a verdict map from job address to job chain, and the
    /// hooks. Forwarded traffic from a job bridge must come from an address in `jobs` (jobs cannot
    /// change theirs: no CAP_NET_ADMIN/NET_RAW) and is judged by that job's chain; nothing reaches the
    /// worker itself from a job bridge; no connection into a job is opened from outside; IPv6 from
    /// jobs is dropped (no IPv6 NAT). Priority -10: before other filter chains of the host.
    func tableRules() -> String {
        func elements(_ items: [String]) -> String {
            items.isEmpty ? "" : "\n        elements = { \(items.joined(separator: ", ")) }"
        }
        let bridges = "\"\(bridgePrefix)*\""
        return """
            table inet \(table) {
                set pool {
                    type ipv4_addr; flags interval;\(elements([policy.pool.description]))
                }
                set dns {
                    type ipv4_addr;\(elements(policy.dns.map(\.description)))
                }
                set allowed {
                    type ipv4_addr; flags interval; auto-merge;\(elements(policy.allow.map(\.description)))
                }
                set denied {
                    type ipv4_addr; flags interval; auto-merge;\(elements(policy.denied.map(\.description)))
                }
                set brokers {
                    type ipv4_addr . inet_service;\(elements(policy.brokers.map { "\($0.address) . \($0.port)" }))
                }
                map jobs {
                    type ipv4_addr : verdict;
                }
                chain input {
                    type filter hook input priority -10; policy accept;
                    iifname \(bridges) drop
                }
                chain forward {
                    type filter hook forward priority -10; policy accept;
                    iifname \(bridges) meta nfproto ipv6 drop
                    iifname \(bridges) ip saddr vmap @jobs
                    iifname \(bridges) drop
                    oifname \(bridges) ct state established,related accept
                    oifname \(bridges) drop
                }
                chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr @pool ip daddr != @pool masquerade
                }
            }

            """
    }

    /// One job's chain, in policy order (NetworkPolicy), and its entry in the `jobs` map. A named
    /// network's jobs reach each other (routed, or bridged when br_netfilter hands bridged frames to
    /// these hooks); the shared network's never do, not even routed through the gateway.
    func jobRules(chain: String, address: IPv4Address, subnet: IPv4Subnet, ownNetwork: Bool) -> String {
        let rule = "add rule inet \(table) \(chain)"
        return """
            add chain inet \(table) \(chain)
            \(ownNetwork ? "\(rule) ip daddr \(subnet) accept" : "# the shared network: its subnet is in @pool")
            \(rule) meta l4proto { tcp, udp } ip daddr . th dport @brokers drop
            \(rule) ip daddr @pool drop
            \(rule) meta l4proto { tcp, udp } ip daddr @dns th dport 53 accept
            \(rule) ip daddr @allowed accept
            \(rule) ip daddr @denied drop
            \(rule) accept
            add element inet \(table) jobs { \(address) : jump \(chain) }

            """
    }

    static func resolvConf(_ servers: [IPv4Address]) -> String {
        guard !servers.isEmpty else {
            return "# No DNS server: the worker found none it could give jobs; set network.dns in worker.yml.\n"
        }
        return servers.prefix(3).map { "nameserver \($0)\n" }.joined() + "options timeout:2 attempts:2\n"
    }

    /// Rewritten in place (same inode): jobs see it through a bind mount of the file.
    func writeHosts(_ net: Network) throws(SandboxError) {
        guard let path = net.hostsFile else { return }
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost\n"
        for (index, member) in net.members.sorted(by: { $0.key < $1.key }) {
            guard let address = net.subnet.host(index) else { continue }
            text += "\(address)\t\(member.names.joined(separator: " "))\n"
        }
        try writeFile(path, text)
    }

    func makeDirectory() throws(SandboxError) {
        var path = ""
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) == -1, errno != EEXIST { throw .system("mkdir \(path)", errno: errno) }
        }
    }

    /// Truncates and writes `path` (0644, created if missing) without replacing the file.
    func writeFile(_ path: String, _ text: String) throws(SandboxError) {
        let fd = try System.call("open \(path)") { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644) }
        defer { System.close(fd) }
        try System.writeAll(fd, Array(text.utf8))
    }

    /// Writes a sysctl of the worker's network namespace (`/proc/sys/net` is per namespace).
    static func sysctl(_ name: String, _ value: String) throws(SandboxError) {
        let path = "/proc/sys/" + name
        let fd = try System.call("open \(path)") { open(path, O_WRONLY | O_CLOEXEC) }
        defer { System.close(fd) }
        try System.writeAll(fd, Array(value.utf8))
    }
}
