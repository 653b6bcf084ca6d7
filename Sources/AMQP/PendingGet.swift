/// A basic.get sent and not answered yet. The loop answers gets of a channel in the order it sent
/// them (the broker does), from the frame pump: get-ok's content is read like a delivery's, so frames
/// of other channels that came first are dispatched, not taken for the message.
struct PendingGet {
    let continuation: UnsafeContinuation<Delivery?, any Error>

    func complete(_ result: Result<Delivery?, any Error>) {
        continuation.resume(with: result)
    }
}
