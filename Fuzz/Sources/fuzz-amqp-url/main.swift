@testable import AMQP
import FuzzSupport

// AMQP URLs come from flags, config files and the environment. The parser must refuse, never trap, and
// whatever it accepts must be usable: a real port, a host, a vhost, and a redacted form for logs.
FuzzDriver.run { data, count in
    let text = String(decoding: FuzzDriver.bytes(data, count), as: UTF8.self)
    _ = AMQPURL.redact(text)
    _ = AMQPConfiguration(url: text).user
    guard let url = try? AMQPURL(parsing: text) else { return 0 }
    precondition((1...65535).contains(url.port), "accepted port \(url.port)")
    precondition(!url.host.isEmpty && !url.vhost.isEmpty, "accepted an empty host or vhost")
    // librabbitmq takes these as C strings: a NUL would silently log in as a shorter user or vhost.
    for part in [url.user, url.password, url.host, url.vhost] {
        precondition(!part.utf8.contains(0), "accepted a NUL byte in \(url.redacted)")
    }
    return 0
}
