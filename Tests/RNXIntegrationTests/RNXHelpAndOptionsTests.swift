import Foundation
import TestSupport
import Testing

/// Help texts and the global options, checked on the binary as users run it (no cluster needed).
struct RNXHelpAndOptionsTests {
    /// The subcommand names listed in a help text's SUBCOMMANDS section (without `help`).
    static func subcommands(in help: String) -> [String] {
        var names: [String] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") { inSection = true; continue }
            guard inSection else { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            // Entries are indented by two spaces; wrapped abstracts by more.
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            let name = String(line.dropFirst(2).prefix { $0 != " " })
            if name != "help" { names.append(name) }
        }
        return names
    }

    @Test func everyCommandsHelpHasExamples() async throws {
        let top = try await Subprocess.run(LocalCluster.rnxPath, ["--help"])
        #expect(top.status == 0, "\(top)")
        #expect(top.stdout.contains("Examples:"), "\(top)")
        var pending = Self.subcommands(in: top.stdout).map { [$0] }
        #expect(pending.count >= 9, "rnx --help lists its subcommands: \(top)")
        var checked: [String] = []
        while let path = pending.popLast() {
            let help = try await Subprocess.run(LocalCluster.rnxPath, path + ["--help"])
            let name = "rnx " + path.joined(separator: " ")
            #expect(help.status == 0, "\(name): \(help)")
            #expect(
                help.stdout.contains("Examples:") && help.stdout.contains("\n  rnx \(path[0])"),
                "\(name) --help has no examples: \(help)")
            pending += Self.subcommands(in: help.stdout).map { path + [$0] }
            checked.append(name)
        }
        for expected in ["rnx run", "rnx submit", "rnx logs", "rnx runtime", "rnx runtime install"] {
            #expect(checked.contains(expected), "\(expected) was not reached from rnx --help: \(checked)")
        }
    }

    @Test func badTimeoutValuesAreUsageErrorsNamingTheFlag() async throws {
        let connect = try await Subprocess.run(LocalCluster.rnxPath, ["list", "--connect-timeout", "soon"])
        #expect(connect.status == 64, "\(connect)")
        #expect(connect.stderr.contains("--connect-timeout") && connect.stderr.contains("\"10m\""), "\(connect)")

        // Given before the subcommand, like --broker.
        let rpc = try await Subprocess.run(LocalCluster.rnxPath, ["--rpc-timeout=0s", "workers"])
        #expect(rpc.status == 64, "\(rpc)")
        #expect(rpc.stderr.contains("--rpc-timeout"), "\(rpc)")
    }

    @Test func connectTimeoutBoundsTheWaitForASilentBroker() async throws {
        // A socket that accepts TCP connections but never speaks AMQP.
        let silent = try SilentListener()
        defer { silent.close() }
        let result = try await Subprocess.run(
            LocalCluster.rnxPath,
            [
                "--connect-timeout", "1500ms",
                "--broker", "amqp://127.0.0.1:\(silent.port)/", "list",
            ])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("cannot reach broker at 127.0.0.1:\(silent.port)"), "\(result)")
        #expect(result.stderr.contains("no answer within 1.5s"), "the message names the limit it used: \(result)")
    }
}

/// A loopback TCP listener that never accepts: the kernel completes handshakes into its backlog.
final class SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw ClusterError("bind/listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}
