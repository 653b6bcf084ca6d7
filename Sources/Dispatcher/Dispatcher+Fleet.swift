import AMQP
import JobletCore
import JobletMessaging

extension Dispatcher {
    /// `drain` / `resume` of `worker` (an id, or `all`): admins only. Workers obey control commands
    /// only from the dispatcher, so this is the one way to take a worker out of scheduling.
    func setWorkerMode(_ request: RPCRequest, caller: String?, on channel: AMQPChannel) async throws -> RPCResponse {
        let action = request.method.rawValue
        guard let caller, !caller.isEmpty else { throw unauthenticated("\(action) workers") }
        guard config.admins.contains(caller) else {
            throw DispatcherError.forbidden("only admins (admins in dispatcher.yml, or --admin) may \(action) workers")
        }
        guard let worker = request.worker, !worker.isEmpty else {
            throw DispatcherError.invalidRequest("worker: missing; give a worker id (see `rnx workers`) or all")
        }
        let live = registry.live(now: Clock.now)
        let target: String? = worker == "all" ? nil : worker
        if let target, !live.contains(where: { $0.workerID == target }) {
            throw DispatcherError.notFound("no live worker \(target); live: \(live.map(\.workerID).sorted().joined(separator: ", "))")
        }
        let command = ControlCommand(command: request.method == .drain ? .drain : .resume)
        try await sendControl(command, to: target, on: channel)
        logger.info("worker \(action)", metadata: ["worker": "\(worker)", "by": "\(caller)"])
        return RPCResponse(ok: true, workers: live.filter { target == nil || $0.workerID == target })
    }

    /// `runtime_test`: sends the smoke test of `runtime` to `worker` (or every live worker offering
    /// it); the dispatcher passes each one's report on to the caller's reply_to (``ReportRelays``).
    /// The answer lists who was asked.
    func forwardRuntimeTest(
        _ request: RPCRequest, caller: String?, replyTo: String?, correlationID: String?,
        on channel: AMQPChannel
    ) async throws -> RPCResponse {
        guard let caller, !caller.isEmpty else { throw unauthenticated("test runtimes") }
        guard let runtime = request.runtime, !runtime.isEmpty else {
            throw DispatcherError.invalidRequest("runtime: missing; give a runtime id such as python-3.11")
        }
        guard let replyTo, !replyTo.isEmpty else {
            throw DispatcherError.invalidRequest("runtime_test needs reply_to: the queue where workers' reports are sent")
        }
        let offering = registry.live(now: Clock.now).filter { worker in
            worker.runtimes.contains { $0.id == runtime } && (request.worker == nil || request.worker == worker.workerID)
        }
        guard !offering.isEmpty else {
            throw DispatcherError.notFound("no live worker offers \(runtime)\(request.worker.map { " as \($0)" } ?? "")")
        }
        try await relayed(caller: caller, replyTo: replyTo, correlationID: correlationID, to: Set(offering.map(\.workerID))) { relay in
            try await sendControl(ControlCommand(command: .runtimeTest, runtime: runtime), to: request.worker, correlationID: relay, on: channel)
        }
        return RPCResponse(ok: true, workers: offering)
    }
}
