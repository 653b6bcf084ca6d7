import CRabbitMQ
import Logging
#if canImport(Glibc)
    import Glibc
#endif

extension ConnectionLoop {
    /// Opens, authenticates and tunes one connection to `url`, with errors a user can act on.
    func connectOnce(_ url: AMQPURL) throws -> RabbitConnection {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.protocolError, "cannot allocate a librabbitmq connection")
        }
        // From here the handle owns the state and frees it on every error path.
        let conn = RabbitConnection(state: state, url: url)
        let where_ = "\(url.host):\(url.port)"
        let socket: OpaquePointer?
        let tls = configuration.tls ?? TLSOptions()
        if url.tls {
            socket = try makeTLSSocket(state, tls, where_: where_)
        } else {
            socket = amqp_tcp_socket_new(state)
        }
        guard let socket else { throw AMQPError(.protocolError, "cannot create a socket for \(where_)") }
        var tv = timeval(duration: min(configuration.operationTimeout, .seconds(10)))
        errno = 0
        let rc = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &tv)
        if rc != AMQP_STATUS_OK.rawValue {
            let savedErrno = errno
            let status = statusText(rc)
            if url.tls && isTLSFailure(rc) {
                throw tlsOpenError(rc, url: url, options: tls, where_: where_)
            }
            let reason: String
            if rc == AMQP_STATUS_TIMEOUT.rawValue {
                reason = "timed out"
            } else if savedErrno == ECONNREFUSED || rc == AMQP_STATUS_SOCKET_ERROR.rawValue {
                reason = "connection refused"
            } else if rc == AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED.rawValue {
                reason = "cannot resolve host name '\(url.host)'"
            } else {
                reason = status
            }
            throw AMQPError(
                .connectionRefused, "cannot connect to \(where_): \(reason) — is the broker running?",
                cause: status)
        }
        let arena = CArena()
        var props = arena.table([
            "connection_name": .string(configuration.connectionName),
            "product": .string("joblet-swift-amqp"),
        ])
        let reply: amqp_rpc_reply_t
        switch configuration.login {
        case .plain:
            reply = joblet_amqp_login_plain_with_properties(
                state, url.vhost, 0, 131_072, Int32(configuration.heartbeat), &props, url.user, url.password)
        case .external:
            guard url.tls else {
                throw AMQPError(.invalidURL, "EXTERNAL login needs a client certificate over amqps://, but \(where_) is amqp://")
            }
            // RabbitMQ takes the user from the certificate; the response names it too (librabbitmq
            // cannot send an empty one: it fails with "could not allocate memory").
            reply = joblet_amqp_login_external_with_properties(
                state, url.vhost, 0, 131_072, Int32(configuration.heartbeat), &props, url.user.isEmpty ? "-" : url.user)
        }
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            break
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD:
            let (code, text) = BrokerClose.connection(reply, state: state)
            if code == 403 {
                throw AMQPError(
                    .authenticationFailed, "authentication failed for user '\(url.user)' at \(where_) — check the user name and password",
                    cause: text, replyCode: code)
            }
            if code == 530 {
                throw AMQPError(
                    .vhostNotFound, "vhost '\(url.vhost)' does not exist or access refused for user '\(url.user)' at \(where_)",
                    cause: text, replyCode: code)
            }
            throw AMQPError(
                .protocolError, "the broker at \(where_) refused the connection: \(code) \(text)",
                cause: text, replyCode: code)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = statusText(reply.library_error)
            if url.tls && isTLSFailure(reply.library_error) {
                throw tlsLoginError(reply.library_error, options: tls, where_: where_)
            }
            if reply.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue || reply.library_error == AMQP_STATUS_SOCKET_ERROR.rawValue {
                // Brokers without authentication_failure_close drop the socket on bad credentials.
                throw AMQPError(
                    .authenticationFailed, "authentication failed for user '\(url.user)' at \(where_) (the broker closed the connection during login)",
                    cause: status)
            }
            throw AMQPError(.protocolError, "login to \(where_) failed: \(status)", cause: status)
        default:
            throw AMQPError(.protocolError, "login to \(where_) failed")
        }
        var rpcTimeout = timeval(duration: configuration.operationTimeout)
        _ = amqp_set_rpc_timeout(state, &rpcTimeout)
        return conn
    }

    /// Initial connect: each URL once, in order; the last error is reported.
    func connectInitially() throws {
        var lastError: (any Error)?
        for url in urls {
            do {
                connection = try connectOnce(url)
                setConnected(true)
                log.info("AMQP connected", metadata: ["endpoint": "\(url.host):\(url.port)", "vhost": "\(url.vhost)"])
                return
            } catch {
                lastError = error
                log.warning("AMQP connect failed", metadata: ["endpoint": "\(url.host):\(url.port)", "error": "\(error)"])
            }
        }
        throw lastError ?? AMQPError(.invalidURL, "no broker URL configured")
    }

    /// The socket failed, a heartbeat was missed or the broker closed the connection.
    func connectionLost(_ reason: String) {
        guard let lost = connection else { return }
        connection = nil
        setConnected(false)
        log.warning(
            "AMQP connection lost",
            metadata: [
                "endpoint": "\(lost.url.host):\(lost.url.port)", "reason": "\(reason)",
                "reconnect": "\(configuration.reconnect.isEnabled)",
            ])
        // A channel waiting for its close-ok is closed with the connection.
        channels = channels.filter { !$0.value.closing }
        for ch in channels.values {
            ch.isOpen = false
            ch.failGets(AMQPError(.connectionLost, "the connection was lost before the broker answered basic.get: \(reason)"))
            let resend = ch.takeUnconfirmed()
            if !resend.isEmpty { ch.outbox = resend + ch.outbox }
        }
        emit(.disconnected(reason: reason))
        guard configuration.reconnect.isEnabled else {
            shutdown(error: AMQPError(.connectionLost, "connection lost: \(reason) (reconnect is disabled)"))
            return
        }
        nextReconnectAt = .now + configuration.reconnect.delay(forAttempt: reconnectAttempt)
    }

    func attemptReconnect() {
        nextReconnectAt = nil
        var lastError: (any Error)?
        for url in urls {
            do {
                connection = try connectOnce(url)
                break
            } catch {
                lastError = error
                log.debug(
                    "AMQP reconnect to one node failed",
                    metadata: ["endpoint": "\(url.host):\(url.port)", "error": "\(error)"])
            }
        }
        guard let conn = connection else {
            reconnectAttempt += 1
            log.warning(
                "AMQP reconnect attempt failed",
                metadata: [
                    "attempt": "\(reconnectAttempt)", "error": "\(lastError.map { "\($0)" } ?? "?")",
                ])
            if let max = configuration.reconnect.maxAttempts, reconnectAttempt >= max {
                shutdown(
                    error: AMQPError(
                        .connectionLost, "connection lost and not restored after \(reconnectAttempt) attempts",
                        cause: lastError.map { "\($0)" }))
            } else {
                nextReconnectAt = .now + configuration.reconnect.delay(forAttempt: reconnectAttempt)
            }
            return
        }
        let gen = bumpGeneration()
        setConnected(true)
        for ch in channels.values.sorted(by: { $0.id < $1.id }) where ch.closedError == nil {
            do {
                try openOnWire(ch)
            } catch let e as AMQPError where e.code == .channelClosed {
                continue  // that channel is closed for good; the others recover
            } catch {
                return  // the connection dropped again; connectionLost scheduled the next attempt
            }
        }
        guard connection != nil else { return }
        log.notice(
            "AMQP reconnected",
            metadata: [
                "endpoint": "\(conn.url.host):\(conn.url.port)", "generation": "\(gen)", "attempts": "\(reconnectAttempt + 1)",
            ])
        reconnectAttempt = 0
        emit(.reconnected(generation: gen))
        for ch in channels.values where ch.isOpen { flushOutbox(ch) }
    }

    /// Closes for good: fails pending work, ends consumers, stops the thread.
    /// `error` nil = closed by the user (consumers end normally).
    func shutdown(error: AMQPError?) {
        guard running else { return }
        running = false
        nextReconnectAt = nil
        let failure = error ?? AMQPError(.connectionLost, "the connection was closed")
        terminalError = failure
        for ch in channels.values {
            ch.end(failure, consumersEndWith: error)
            ch.isOpen = false
        }
        if let conn = connection {
            _ = amqp_connection_close(conn.state, AMQP_REPLY_SUCCESS)
            connection = nil
        }
        setConnected(false)
        if let error {
            log.error("AMQP connection closed for good", metadata: ["error": "\(error)"])
        } else {
            log.info("AMQP connection closed")
        }
        emit(.closed)
        eventSink.finish()
    }

    var log: Logger { configuration.logger }

    func statusText(_ rc: Int32) -> String {
        String(cString: amqp_error_string2(rc))
    }
}

extension timeval {
    init(duration: Duration) {
        let c = duration.components
        self.init(tv_sec: Int(c.seconds), tv_usec: Int(c.attoseconds / 1_000_000_000_000))
    }
}
