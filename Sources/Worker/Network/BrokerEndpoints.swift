#if canImport(Glibc)
    import Glibc
#endif
import Isolation

/// The IPv4 addresses and ports of the worker's broker URLs, resolved once at start: jobs may never
/// reach them (nftables `brokers` set), whatever network.allow says.
enum BrokerEndpoints {
    static func resolve(_ urls: [String]) -> [IPv4Endpoint] {
        var endpoints: [IPv4Endpoint] = []
        for url in urls {
            guard let (host, port) = hostAndPort(url) else { continue }
            for address in addresses(of: host) where !endpoints.contains(IPv4Endpoint(address: address, port: port)) {
                endpoints.append(IPv4Endpoint(address: address, port: port))
            }
        }
        return endpoints
    }

    /// `amqp://user:pass@host:5672/vhost` -> ("host", 5672); the scheme's port when none is given.
    static func hostAndPort(_ url: String) -> (String, UInt16)? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let tls = url.hasPrefix("amqps")
        var rest = url[scheme.upperBound...]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        guard !rest.hasPrefix("[") else { return nil }  // IPv6: jobs have no IPv6 at all
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { return nil }
        let port = parts.count == 2 ? UInt16(parts[1]) : (tls ? 5671 : 5672)
        return port.map { (String(host), $0) }
    }

    static func addresses(of host: String) -> [IPv4Address] {
        if let literal = IPv4Address(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var result: [IPv4Address] = []
        var node = list
        while let entry = node {
            if let raw = entry.pointee.ai_addr {
                let address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { IPv4Address(UInt32(bigEndian: $0.pointee.sin_addr.s_addr)) }
                if !result.contains(address) { result.append(address) }
            }
            node = entry.pointee.ai_next
        }
        return result
    }
}
