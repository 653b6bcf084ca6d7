import Testing
@testable import AMQP

/// A receipt tells its outcome without waiting once the broker answered, and nothing before.
@Suite("publish receipt")
struct PublishReceiptTests {
    @Test("outcome is nil while pending, then the broker's answer; confirmed() agrees")
    func outcomeWithoutWaiting() async throws {
        let refused = PublishReceipt()
        #expect(refused.outcome == nil)
        refused.complete(.failure(AMQPError(.nacked, "nacked")))
        guard case .failure(let error)? = refused.outcome else { Issue.record("no failure"); return }
        #expect(error.code == .nacked)
        await #expect(throws: AMQPError.self) { try await refused.confirmed() }

        let confirmed = PublishReceipt()
        confirmed.complete(.success(()))
        // The first outcome stays.
        confirmed.complete(.failure(AMQPError(.nacked, "late")))
        guard case .success? = confirmed.outcome else { Issue.record("not confirmed"); return }
        try await confirmed.confirmed()
    }
}
