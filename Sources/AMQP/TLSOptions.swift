/// TLS settings for `amqps://` URLs.
public struct TLSOptions: Sendable {
    /// PEM file of the CA(s) that sign the broker's certificate.
    public var caCertificatePath: String?
    /// PEM client certificate (for mutual TLS).
    public var certificatePath: String?
    /// PEM private key of the client certificate.
    public var keyPath: String?
    public var verifyPeer: Bool
    public var verifyHostname: Bool

    public init(caCertificatePath: String? = nil, certificatePath: String? = nil, keyPath: String? = nil,
                verifyPeer: Bool = true, verifyHostname: Bool = true) {
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.verifyPeer = verifyPeer
        self.verifyHostname = verifyHostname
    }
}
