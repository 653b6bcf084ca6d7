/// A parsed `amqp://` / `amqps://` URL. Internal: the public API takes strings.
struct AMQPURL: Sendable, Equatable {
    /// True for `amqps://`.
    var tls: Bool
    /// Percent-decoded; `guest` (as is `password`) when the URL has no user info.
    var user: String
    var password: String
    /// Without the brackets of an IPv6 literal; `localhost` when the URL names none.
    var host: String
    /// 5672 (`amqps`: 5671) when the URL gives none.
    var port: Int
    /// Percent-decoded path; `/` when the path is empty.
    var vhost: String

    /// The URL with the password replaced, safe for logs and error messages.
    var redacted: String {
        let vh = vhost == "/" ? "" : percentEncode(vhost)
        return "\(tls ? "amqps" : "amqp")://\(user):***@\(host):\(port)/\(vh)"
    }

    init(parsing text: String) throws(AMQPError) {
        func bad(_ why: String) -> AMQPError {
            AMQPError(
                .invalidURL,
                "invalid AMQP URL '\(AMQPURL.redact(text))': \(why) "
                    + "(expected amqp://user:password@host:port/vhost)")
        }
        // librabbitmq takes the parts as C strings: a NUL would silently cut the user, password or vhost.
        guard !text.utf8.contains(0) else { throw bad("it contains a NUL byte") }
        var rest = Substring(text)
        if rest.hasPrefix("amqp://") {
            tls = false; rest = rest.dropFirst(7)
        } else if rest.hasPrefix("amqps://") {
            tls = true; rest = rest.dropFirst(8)
        } else {
            throw bad("the scheme must be amqp:// or amqps://")
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        user = "guest"; password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                guard let u = percentDecode(userinfo[..<colon]),
                    let p = percentDecode(userinfo[userinfo.index(after: colon)...])
                else {
                    throw bad("bad percent-encoding in the user info")
                }
                user = u; password = p
            } else {
                guard let u = percentDecode(userinfo) else { throw bad("bad percent-encoding in the user name") }
                user = u
            }
        }
        var hostPart = rest
        var portText: Substring?
        if hostPart.hasPrefix("[") {
            // IPv6 literal: [::1]:5672
            guard let close = hostPart.firstIndex(of: "]") else { throw bad("unterminated IPv6 address") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw bad("junk after host") }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portText = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        host = hostPart.isEmpty ? "localhost" : String(hostPart)
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw bad("port '\(portText)' is not a number in 1...65535") }
            port = p
        } else {
            port = tls ? 5671 : 5672
        }
        if let q = path.firstIndex(of: "?") { path = path[..<q] }
        // Like pika and the Java client: an empty path means the default vhost "/".
        guard let v = percentDecode(path) else { throw bad("bad percent-encoding in the vhost") }
        vhost = v.isEmpty ? "/" : v
    }

    /// Replaces the password in anything that looks like a URL with user info.
    static func redact(_ text: String) -> String {
        let chars = Array(text)
        var schemeEnd: Int?
        if chars.count >= 3 {
            for i in 0..<(chars.count - 2) where chars[i] == ":" && chars[i + 1] == "/" && chars[i + 2] == "/" {
                schemeEnd = i + 3; break
            }
        }
        guard let start = schemeEnd,
            let at = chars[start...].lastIndex(of: "@"),
            let colon = chars[start..<at].firstIndex(of: ":")
        else { return text }
        return String(chars[..<colon]) + ":***" + String(chars[at...])
    }
}

private func percentDecode(_ s: Substring) -> String? {
    guard s.contains("%") else { return String(s) }
    var bytes: [UInt8] = []
    var it = Array(s.utf8)[...]
    while let c = it.popFirst() {
        if c == UInt8(ascii: "%") {
            // Exactly two hex digits (UInt8(_:radix:) alone takes "+0"), and never %00 (see NUL above).
            guard it.count >= 2, it.prefix(2).allSatisfy(\.isASCIIHexDigit),
                let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16), v != 0
            else { return nil }
            bytes.append(v); it = it.dropFirst(2)
        } else {
            bytes.append(c)
        }
    }
    return String(validating: bytes, as: UTF8.self)
}

private extension UInt8 {
    var isASCIIHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

private func percentEncode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F {
            out.unicodeScalars.append(Unicode.Scalar(b))
        } else {
            out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
        }
    }
    return out
}
