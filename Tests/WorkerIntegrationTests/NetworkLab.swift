import Foundation
import TestSupport
#if canImport(Glibc)
    import Glibc
#endif

/// Network namespaces made by a test, and nothing else touched: the worker's host (the worker is
/// entered with `nsenter --net`, so its bridges, forwarding and nftables live there) and the "outside"
/// behind its uplink, with an HTTP server on 198.18.0.2:8080 (benchmark
/// range, not a private one) and on 192.168.77.2:8080 (a private network), a DNS responder, and a
/// forwarder to the test broker (through a unix socket: the broker listens on the real loopback), so
/// the broker is a remote host to the worker. The worker host serves HTTP on 198.18.0.1:8081.
final class NetworkLab: @unchecked Sendable {
    static let hostAddress = "198.18.0.1"
    static let outsideAddress = "198.18.0.2"
    static let privateAddress = "192.168.77.2"
    static let outsidePort = 8080
    static let hostPort = 8081

    let name: String
    /// Namespaces held by a sleeping process each (`unshare --net`), not `ip netns add`: no mount is made
    /// (other suites count the mount table), and they go when their last process does.
    private var holders: [Process] = []
    private(set) var hostPID: Int32 = 0
    private(set) var outsidePID: Int32 = 0
    var host: String { "/proc/\(hostPID)/ns/net" }
    var outside: String { "/proc/\(outsidePID)/ns/net" }
    let socket: String
    /// The broker as the worker sees it: `amqp://198.18.0.2:<port>/<vhost>`.
    let brokerURL: String
    let brokerPort: Int
    private var daemons: [Process] = []

    init(brokerURL testURL: String) throws {
        name = "jl\(getpid() % 100_000)\(Int.random(in: 10...99))"
        socket = NSTemporaryDirectory() + "\(name).broker.sock"
        guard let scheme = testURL.range(of: "://") else { throw LabError("bad broker URL \(testURL)") }
        var rest = testURL[scheme.upperBound...]
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let hostPort = rest.prefix { $0 != "/" }
        let vhost = rest.dropFirst(hostPort.count)
        guard let port = hostPort.split(separator: ":").last.flatMap({ Int($0) }) else { throw LabError("no port in \(testURL)") }
        brokerPort = port
        brokerURL = "amqp://\(Self.outsideAddress):\(port)\(vhost)"
        do { try build() } catch { close(); throw error }
    }

    var www: String { NSTemporaryDirectory() + name + ".www" }

    private func build() throws {
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        hostPID = try holdNamespace()
        outsidePID = try holdNamespace()
        try run("ip", "link", "add", "up0", "netns", "\(hostPID)", "type", "veth", "peer", "name", "eth0", "netns", "\(outsidePID)")
        try inHost("ip", "link", "set", "lo", "up")
        try inHost("ip", "addr", "add", "\(Self.hostAddress)/24", "dev", "up0")
        try inHost("ip", "link", "set", "up0", "up")
        try inHost("ip", "route", "add", "default", "via", Self.outsideAddress)
        try inOutside("ip", "link", "set", "lo", "up")
        try inOutside("ip", "addr", "add", "\(Self.outsideAddress)/24", "dev", "eth0")
        try inOutside("ip", "addr", "add", "\(Self.privateAddress)/24", "dev", "eth0")
        try inOutside("ip", "link", "set", "eth0", "up")
        // The outside answers the NATed worker host directly (198.18.0.1 is on its link).
        try daemon("socat", "UNIX-LISTEN:\(socket),fork,unlink-early", "TCP:127.0.0.1:\(brokerPort)")
        try daemon(
            "nsenter", "--net=\(outside)", "socat",
            "TCP-LISTEN:\(brokerPort),bind=\(Self.outsideAddress),fork,reuseaddr", "UNIX-CONNECT:\(socket)")
        try daemon(
            "nsenter", "--net=\(outside)", "python3", "-m", "http.server", "\(Self.outsidePort)",
            "--bind", "0.0.0.0", "--directory", www)
        try daemon("nsenter", "--net=\(outside)", "python3", "-c", Self.dnsResponder, Self.outsideAddress)
        try daemon(
            "nsenter", "--net=\(host)", "python3", "-m", "http.server", "\(Self.hostPort)",
            "--bind", "0.0.0.0", "--directory", www)
        // The servers listen once their port answers (from inside the namespaces, never elsewhere).
        for (ns, address, port) in [
            (outside, Self.outsideAddress, Self.outsidePort), (host, Self.hostAddress, Self.hostPort),
            (outside, Self.outsideAddress, brokerPort),
        ] {
            var up = false
            for _ in 0..<100 where !up {
                up =
                    (try? run(
                        "nsenter", "--net=\(ns)", "python3", "-c",
                        "import socket; socket.create_connection(('\(address)', \(port)), timeout=1).close()")) != nil
                if !up { usleep(100_000) }
            }
            guard up else { throw LabError("\(address):\(port) never listened in \(ns)") }
        }
    }

    /// `nsenter --net` into the worker host, for WorkerProcess.
    var launcher: [String] { ["/usr/bin/nsenter", "--net=\(host)"] }

    /// This lab's interfaces in the worker host whose names start with `prefix`.
    func hostLinks(prefix: String) throws -> [String] {
        try inHost("ip", "-o", "link", "show").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", maxSplits: 2)
            guard fields.count >= 2 else { return nil }
            let name = String(fields[1].drop { $0 == " " }.split(separator: "@").first ?? "")
            return name.hasPrefix(prefix) ? name : nil
        }
    }

    /// `nft list ruleset` of the worker host.
    func hostRuleset() throws -> String { try inHost("nft", "list", "ruleset") }

    @discardableResult
    func inHost(_ arguments: String...) throws -> String { try run(["nsenter", "--net=\(host)"] + arguments) }

    @discardableResult
    func inOutside(_ arguments: String...) throws -> String { try run(["nsenter", "--net=\(outside)"] + arguments) }

    @discardableResult
    func run(_ arguments: String...) throws -> String { try run(arguments) }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let (status, output) = try CombinedOutput.run(["/usr/bin/env"] + arguments)
        guard status == 0 else {
            throw LabError("\(arguments.joined(separator: " ")): exit \(status): \(output)")
        }
        return output
    }

    /// A process in a new network namespace of its own; returns its pid once it is in it.
    private func holdNamespace() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--net", "--", "sleep", "infinity"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        holders.append(process)
        let pid = process.processIdentifier
        let mine = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")) ?? ""
        for _ in 0..<200 {
            if let theirs = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net"), theirs != mine {
                return pid
            }
            usleep(10_000)
        }
        throw LabError("unshare --net never entered a namespace of its own")
    }

    private func daemon(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        daemons.append(process)
    }

    /// Stops the daemons and the holders: both namespaces (and every interface in them) go with them.
    func close() {
        for process in daemons + holders where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        daemons = []
        holders = []
        unlink(socket)
        try? FileManager.default.removeItem(atPath: www)
    }

    /// Answers every A query with the address in argv[1] (one question, no EDNS): enough for
    /// gethostbyname through the job's resolv.conf.
    static let dnsResponder = """
        import socket, struct, sys
        answer = socket.inet_aton(sys.argv[1])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 53))
        while True:
            data, peer = s.recvfrom(512)
            if len(data) < 12: continue
            end = data.index(b"\\0", 12) + 5
            header = data[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
            record = b"\\xc0\\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + answer
            s.sendto(header + data[12:end] + record, peer)
        """
}

struct LabError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
