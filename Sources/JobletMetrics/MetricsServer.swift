#if canImport(Glibc)
    import Glibc
#endif
import Logging
import Synchronization
import SystemCalls

/// Serves `GET /metrics` (Prometheus text) on a TCP address, one request at a time, from a
/// dedicated thread: the blocking accept loop (and `render`, which may read files or a database) never
/// runs on the cooperative pool. Clients get a
/// few seconds to send their request, so a stuck one cannot stall the endpoint for long.
public final class MetricsServer: Sendable {
    /// The bound port (the configured one, or the kernel's pick for port 0).
    public let port: Int
    private let socket: Int32
    private let render: @Sendable () -> String
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    /// Binds and listens; the accept loop starts with `start()`.
    public init(bind address: String, port: Int, logger: Logger, render: @escaping @Sendable () -> String) throws {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &socketAddress.sin_addr) == 1 else {
            throw MetricsError(.invalidConfig, "metrics.bind: \"\(address)\" is not an IPv4 address")
        }
        let fd = try Self.sys("socket") { Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var one: Int32 = 1
            _ = try Self.sys("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try Self.sys("bind \(address):\(port)") {
                withUnsafePointer(to: &socketAddress) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            _ = try Self.sys("listen") { listen(fd, 16) }
            var bound = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = try Self.sys("getsockname") {
                withUnsafeMutablePointer(to: &bound) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
            }
            self.port = Int(UInt16(bigEndian: bound.sin_port))
        } catch {
            close(fd)
            throw error
        }
        self.socket = fd
        self.render = render
        self.logger = logger
    }

    /// Starts the accept loop on its own thread.
    public func start() throws {
        do {
            try DetachedThread.start(name: "joblet-metrics") { [self] in acceptLoop() }
        } catch {
            throw MetricsError(.system, "cannot start the metrics server's thread: \(error.text)", cause: "errno \(error.code)")
        }
    }

    /// Stops accepting (wakes the blocked accept) and closes the socket.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { close(socket) }
        while !stopped.load(ordering: .acquiring) {
            let client: Int32
            do {
                client = try Self.sys("accept") { accept(socket, nil, nil) }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            } catch {
                if !stopped.load(ordering: .acquiring) {
                    logger.warning("metrics server stopped", metadata: ["error": "\(error)"])
                }
                return
            }
            serve(client)
            close(client)
        }
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        // Only the request line matters; read until the end of the headers (bounded).
        while request.count < 8192, !Self.endsHeaders(request) {
            let count = buffer.withUnsafeMutableBytes { raw in
                (try? Self.sys("recv") { Int32(truncatingIfNeeded: recv(client, raw.baseAddress, raw.count, 0)) }) ?? -1
            }
            if count <= 0 { break }
            request.append(contentsOf: buffer[0..<Int(count)])
        }
        let requestLine = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = requestLine.split(separator: " ")
        let response: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            let body = render()
            response =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        } else {
            let body = "only GET /metrics is served here\n"
            response = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        }
        var bytes = Array(response.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { raw in
                (try? Self.sys("send") { Int32(truncatingIfNeeded: send(client, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))) }) ?? -1
            }
            if sent <= 0 { return }
            bytes = bytes.dropFirst(Int(sent))
        }
    }

    private static func endsHeaders(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && Array(bytes.suffix(4)) == Array("\r\n\r\n".utf8)
            || bytes.count >= 2 && Array(bytes.suffix(2)) == Array("\n\n".utf8)
    }

    /// Runs a socket call, retrying EINTR; a negative result throws an error naming the call.
    @discardableResult
    private static func sys(_ name: String, _ body: () -> Int32) throws -> Int32 {
        do {
            return try retryingOnInterrupt(body)
        } catch {
            throw MetricsError(.io, "\(name): \(error.text)", cause: "errno \(error.code)")
        }
    }
}
