#if canImport(Glibc)
import Glibc
#endif
import AMQP
import JobletCore

/// Where the broker is and who we are: URLs plus credentials kept out of config files and logs.
///
/// Credentials come, in order, from the URL itself, a credentials file (`user:password` on one
/// line, mode 0600), or `JOBLET_BROKER_USER` / `JOBLET_BROKER_PASSWORD`.
public struct BrokerSettings: Sendable {
    public var urls: [String]
    public var credentialsFile: String?

    public init(urls: [String], credentialsFile: String? = nil) {
        self.urls = urls
        self.credentialsFile = credentialsFile
    }

    /// The URLs with credentials filled in, ready for `AMQPConfiguration`.
    public func resolvedURLs(environment: [String: String]) throws -> [String] {
        guard !urls.isEmpty else {
            throw JobletError(.invalidArgument, "no broker URL: set --broker or JOBLET_BROKER (amqp://host:5672/)")
        }
        var user = environment["JOBLET_BROKER_USER"]
        var password = environment["JOBLET_BROKER_PASSWORD"]
        if let credentialsFile {
            let text = try FileText.read(credentialsFile).trimmingWhitespace()
            guard let colon = text.firstIndex(of: ":") else {
                throw JobletError(.invalidArgument, "credentials file \(credentialsFile): expected one line \"user:password\"")
            }
            user = String(text[..<colon])
            password = String(text[text.index(after: colon)...])
        }
        return urls.map { url in
            guard let user, let password, !url.contains("@"),
                  let schemeEnd = url.range(of: "://") else { return url }
            return url.replacingCharacters(in: schemeEnd, with: "://\(percentEncode(user)):\(percentEncode(password))@")
        }
    }

    /// A URL safe to print: the password replaced by `***`.
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || "-._~".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
