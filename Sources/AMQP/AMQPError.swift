import SystemCalls

/// The one error type of the AMQP module: a code to branch on, a message a user can act on,
/// and the lower-level cause when there is one.
public struct AMQPError: DescribedError, Sendable {
    /// What kind of failure this is; stable, usable in `switch` and `==`.
    public enum Code: String, ErrorCode {
        /// The URL could not be parsed (scheme, host, port).
        case invalidURL = "invalid_url"
        /// Nothing accepted the TCP connection.
        case connectionRefused = "connection_refused"
        /// The broker refused the user name or password.
        case authenticationFailed = "authentication_failed"
        /// The virtual host does not exist or the user may not access it.
        case vhostNotFound = "vhost_not_found"
        /// The connection dropped (or was closed) and the operation could not complete.
        case connectionLost = "connection_lost"
        /// The broker closed the channel (see `replyCode`, e.g. 404 or 406).
        case channelClosed = "channel_closed"
        /// A mandatory message could not be routed (see `returned`).
        case returned
        /// The broker rejected a published message (basic.nack).
        case nacked
        /// An operation did not complete in time.
        case timeout
        /// An ack/nack/reject for a delivery received before a reconnect.
        case staleDelivery = "stale_delivery"
        /// Unexpected frames or a library-level failure.
        case protocolError = "protocol_error"
        /// TLS setup or handshake failed.
        case tls
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

    public init(
        _ code: Code, _ message: String, cause: String? = nil,
        returned: ReturnedMessage? = nil, replyCode: UInt16? = nil
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.returned = returned
        self.replyCode = replyCode
    }
}
