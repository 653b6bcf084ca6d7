import CRabbitMQ

/// Owns one librabbitmq connection state; destroys it (closing the socket) in `deinit`.
/// Used only on its connection's loop thread: rabbitmq-c is not thread-safe.
final class RabbitConnection {
    let state: amqp_connection_state_t
    let url: AMQPURL

    init(state: amqp_connection_state_t, url: AMQPURL) {
        self.state = state
        self.url = url
    }

    deinit {
        amqp_destroy_connection(state)
    }

    var socketFD: Int32 { amqp_get_sockfd(state) }

    /// True when librabbitmq already holds frames or bytes, so polling the socket would miss them.
    var hasBufferedData: Bool {
        amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0
    }
}
