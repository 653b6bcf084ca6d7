import CRabbitMQ
#if canImport(Glibc)
    import Glibc
#endif

extension ConnectionLoop {
    /// A TLS socket on `state` configured from `options`; `verify: false` only for the diagnosis probe.
    func makeTLSSocket(
        _ state: amqp_connection_state_t, _ options: TLSOptions, where_: String,
        verify: Bool = true
    ) throws(AMQPError) -> OpaquePointer {
        guard let socket = amqp_ssl_socket_new(state) else {
            throw AMQPError(.tls, "cannot create a TLS socket for \(where_)")
        }
        // librabbitmq never loads OpenSSL's default CAs, so without a CA nothing would be trusted.
        if let ca = options.caCertificatePath ?? TLSOptions.systemCABundle, amqp_ssl_socket_set_cacert(socket, ca) != AMQP_STATUS_OK.rawValue {
            throw AMQPError(.tls, "cannot load the CA certificate '\(ca)' — it must be a readable PEM file")
        }
        if let cert = options.certificatePath, let key = options.keyPath,
            amqp_ssl_socket_set_key(socket, cert, key) != AMQP_STATUS_OK.rawValue
        {
            throw AMQPError(.tls, "cannot load the client certificate '\(cert)' / key '\(key)' — they must be readable PEM files that belong together")
        }
        amqp_ssl_socket_set_verify_peer(socket, verify && options.verifyPeer ? 1 : 0)
        amqp_ssl_socket_set_verify_hostname(socket, verify && options.verifyHostname ? 1 : 0)
        return socket
    }

    /// True when librabbitmq reports a failure of the TLS layer rather than of TCP.
    func isTLSFailure(_ rc: Int32) -> Bool {
        rc == AMQP_STATUS_SSL_ERROR.rawValue || rc == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue
            || rc == AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue || rc == AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue
    }

    /// Turns a failed TLS open into an error that names the cause. librabbitmq reports an
    /// untrusted certificate only as "SSL connection failed" (OpenSSL rejects it inside the
    /// handshake), so that case is told apart by one more handshake without verification.
    func tlsOpenError(_ rc: Int32, url: AMQPURL, options: TLSOptions, where_: String) -> AMQPError {
        let status = statusText(rc)
        let ca =
            options.caCertificatePath.map { "CA '\($0)'" }
            ?? "the system CAs ('\(TLSOptions.systemCABundle ?? "none found")'; no TLSOptions.caCertificatePath given)"
        let unverified = AMQPError(
            .tls,
            "the certificate of the broker at \(where_) could not be verified with \(ca) — "
                + "give the CA that signed the broker's certificate", cause: status)
        if rc == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue {
            return AMQPError(
                .tls,
                "the certificate of the broker at \(where_) does not name host '\(url.host)' — "
                    + "connect by a name the certificate carries, or set TLSOptions.verifyHostname to false",
                cause: status)
        }
        if rc == AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue { return unverified }
        if options.verifyPeer && handshakeSucceedsUnverified(url, options, where_: where_) { return unverified }
        return AMQPError(
            .tls,
            "TLS handshake with \(where_) failed — is it an amqps port, and does the broker "
                + "accept this client (certificate, TLS version)?", cause: status)
    }

    /// With TLS 1.3 the broker checks the client certificate after the client's side of the
    /// handshake is done, so a refused certificate shows up as a TLS error at the first read: login.
    func tlsLoginError(_ rc: Int32, options: TLSOptions, where_: String) -> AMQPError {
        let why =
            options.certificatePath.map { "it did not accept the client certificate '\($0)'" }
            ?? "it may require a client certificate (TLSOptions.certificatePath / keyPath)"
        return AMQPError(
            .tls, "the broker at \(where_) ended the TLS session during login — \(why)",
            cause: statusText(rc))
    }

    private func handshakeSucceedsUnverified(_ url: AMQPURL, _ options: TLSOptions, where_: String) -> Bool {
        guard let state = amqp_new_connection() else { return false }
        let probe = RabbitConnection(state: state, url: url)  // closes the socket in deinit
        guard let socket = try? makeTLSSocket(probe.state, options, where_: where_, verify: false) else { return false }
        var tv = timeval(duration: min(configuration.operationTimeout, .seconds(10)))
        return amqp_socket_open_noblock(socket, url.host, Int32(url.port), &tv) == AMQP_STATUS_OK.rawValue
    }
}
