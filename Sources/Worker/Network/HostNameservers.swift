import JobletCore
import Isolation

/// The host's IPv4 nameservers from resolv.conf, without loopback ones (a job cannot reach the
/// host's own resolver: nothing on the worker host is reachable from a job).
enum HostNameservers {
    static func read(_ path: String) -> [IPv4Address] {
        guard let bytes = try? FileText.readBytes(path, limit: 64 << 10) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver", let address = IPv4Address(String(fields[1])),
                !address.isLoopback
            else { return nil }
            return address
        }
    }
}
