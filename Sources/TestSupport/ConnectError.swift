import AMQP

/// What connecting with `config` throws (nil when it connects), for the connect-error tests.
public func connectError(_ config: AMQPConfiguration) async -> AMQPError? {
    do {
        let connection = try await AMQPConnection.connect(config)
        await connection.close()
        return nil
    } catch let error as AMQPError {
        return error
    } catch {
        return nil
    }
}

/// What connecting to `url` throws, without reconnecting: the first failure is the answer.
public func connectError(_ url: String) async -> AMQPError? {
    var config = AMQPConfiguration(url: url)
    config.reconnect = .disabled
    return await connectError(config)
}
