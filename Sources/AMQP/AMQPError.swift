/// The one error type of the AMQP module: a code to branch on, a message a user can act on,
/// and the lower-level cause when there is one.
public struct AMQPError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, usable in `switch` and `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The URL could not be parsed (scheme, host, port).
        public static let invalidURL = Code("invalid_url")
        /// Nothing accepted the TCP connection.
        public static let connectionRefused = Code("connection_refused")
        /// The broker refused the user name or password.
        public static let authenticationFailed = Code("authentication_failed")
        /// The virtual host does not exist or the user may not access it.
        public static let vhostNotFound = Code("vhost_not_found")
        /// The connection dropped (or was closed) and the operation could not complete.
        public static let connectionLost = Code("connection_lost")
        /// The broker closed the channel (see `replyCode`, e.g. 404 or 406).
        public static let channelClosed = Code("channel_closed")
        /// A mandatory message could not be routed (see `returned`).
        public static let returned = Code("returned")
        /// The broker rejected a published message (basic.nack).
        public static let nacked = Code("nacked")
        /// An operation did not complete in time.
        public static let timeout = Code("timeout")
        /// An ack/nack/reject for a delivery received before a reconnect.
        public static let staleDelivery = Code("stale_delivery")
        /// Unexpected frames or a library-level failure.
        public static let protocolError = Code("protocol_error")
        /// TLS setup or handshake failed.
        public static let tls = Code("tls")
    }

    public var code: Code
    /// What went wrong and, where possible, what to do about it. Never contains a password.
    public var message: String
    /// The lower-level error (librabbitmq status text, broker reply text), if any.
    public var cause: String?
    /// The returned message, set for `.returned`.
    public var returned: ReturnedMessage?
    /// The broker's close code (e.g. 404 NOT_FOUND, 406 PRECONDITION_FAILED), if the broker closed something.
    public var replyCode: UInt16?

    public init(_ code: Code, _ message: String, cause: String? = nil,
                returned: ReturnedMessage? = nil, replyCode: UInt16? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.returned = returned
        self.replyCode = replyCode
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
