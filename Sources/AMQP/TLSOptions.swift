#if canImport(Glibc)
    import Glibc
#endif

/// TLS settings for `amqps://` URLs.
public struct TLSOptions: Sendable {
    /// PEM file of the CA(s) that sign the broker's certificate; nil = the system CA bundle
    /// (`TLSOptions.systemCABundle`), for brokers with a publicly signed certificate.
    public var caCertificatePath: String?
    /// PEM client certificate (for mutual TLS).
    public var certificatePath: String?
    /// PEM private key of the client certificate.
    public var keyPath: String?
    /// Check the broker's certificate against the CA (off only for throwaway test setups).
    public var verifyPeer: Bool
    /// Check that the certificate names the host of the URL (a DNS entry; librabbitmq 0.11
    /// compares an IP address in the URL against DNS entries too, not IP entries).
    public var verifyHostname: Bool

    public init(
        caCertificatePath: String? = nil, certificatePath: String? = nil, keyPath: String? = nil,
        verifyPeer: Bool = true, verifyHostname: Bool = true
    ) {
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.verifyPeer = verifyPeer
        self.verifyHostname = verifyHostname
    }
}

extension TLSOptions {
    /// The first system CA bundle that exists (Debian/Ubuntu, then Fedora/RHEL), if any.
    public static var systemCABundle: String? {
        ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
            .first { access($0, R_OK) == 0 }
    }
}
