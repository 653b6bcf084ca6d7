/// Where the dispatcher may send a request's reply: direct reply-to (`amq.rabbitmq.reply-to…`) or a
/// server-named queue (`amq.gen-…`), the only queues a client role may declare (docs/PROTOCOL.md, "Roles").
///
/// The dispatcher may write to every `joblet.*` queue. Replying to any `reply_to` made it a deputy: a
/// submitter naming `joblet.dispatcher.events`, a job queue or a worker's control queue had the
/// dispatcher deliver a message there, as the dispatcher's user, into a queue the broker refuses the
/// submitter itself. Names starting with `amq.` are made only by the broker.
enum ReplyAddress {
    static let directReplyTo = "amq.rabbitmq.reply-to"
    static let serverNamedPrefix = "amq.gen-"

    /// Why the dispatcher will not reply to `replyTo`, or nil (none given is fine: no reply is sent).
    static func refusal(_ replyTo: String?) -> String? {
        guard let replyTo, !replyTo.isEmpty else { return nil }
        if replyTo.hasPrefix(directReplyTo) || replyTo.hasPrefix(serverNamedPrefix) { return nil }
        return
            "reply_to \"\(replyTo.prefix(80))\" is not an address of yours: use direct reply-to (\(directReplyTo)) or a server-named queue (\(serverNamedPrefix)…)"
    }
}
