import AMQP
import JobletCore
import JobletMessaging
import Logging

extension Dispatcher {
    /// A `joblet.rpc` query: answered over the request's reply_to/correlation_id, then acked.
    public func handleQuery(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        if try await refusedReplyAddress(delivery, kind: "rpc", queue: Topology.rpcQueue, on: channel) { return }
        let response: RPCResponse
        do {
            let request = try Envelope.decode(RPCRequest.self, from: delivery, expectedType: MessageType.rpcRequest)
            response = try await answer(
                request, caller: delivery.properties.userID, replyTo: delivery.properties.replyTo,
                correlationID: delivery.properties.correlationID, on: channel)
        } catch let poison as PoisonMessage {
            response = .failure("invalid_request", poison.reason)
        } catch let error as DispatcherError {
            response = .failure(error.code.rawValue, error.message)
        } catch let error as JobletError {
            response = .failure("invalid_request", error.message)
        }
        reply(response, type: MessageType.rpcResponse, to: delivery, on: channel)
        try await channel.ack(delivery)
    }

    /// Answers one query. Everybody sees only their own jobs, readers and admins everybody's; cancel
    /// and delete need the submitter or an admin; drain and resume an admin. Callers are identified
    /// by the broker-validated `user_id`.
    public func answer(
        _ request: RPCRequest, caller: String?, replyTo: String? = nil, correlationID: String? = nil,
        on channel: AMQPChannel
    ) async throws -> RPCResponse {
        let now = Clock.now
        switch request.method {
        case .status:
            return RPCResponse(ok: true, job: try await visibleRecord(request.jobID, caller: caller))
        case .list:
            var submitter = request.submitter
            if !seesAll(caller) {
                guard let caller, !caller.isEmpty else { throw unauthenticated("list jobs") }
                submitter = caller
            }
            let filter = JobFilter(
                state: request.state, runtime: request.runtime, worker: request.worker,
                submitter: submitter, since: request.since,
                limit: min(max(request.limit ?? 100, 0), 10_000), offset: max(request.offset ?? 0, 0))
            return RPCResponse(ok: true, jobs: try await store.list(filter))
        case .logs:
            let record = try await visibleRecord(request.jobID, caller: caller)
            let sinceSeq = request.sinceSeq ?? 0
            let page = try await store.logs(jobID: record.jobID, sinceSeq: sinceSeq, maxBytes: Int(config.logsReplyBytes.bytes))
            return RPCResponse(
                ok: true, job: record, logs: page.chunks,
                complete: try await logsComplete(record, page: page, sinceSeq: sinceSeq))
        case .workers:
            return RPCResponse(ok: true, workers: registry.live(now: now))
        case .runtimes:
            return RPCResponse(ok: true, runtimes: registry.runtimes(now: now))
        case .cancel:
            let id = try await store.resolve(try required(request.jobID), submitter: seesAll(caller) ? nil : caller)
            return try await cancel(jobID: id, caller: caller, on: channel)
        case .delete:
            return try await delete(request, caller: caller)
        case .drain, .resume:
            return try await setWorkerMode(request, caller: caller, on: channel)
        case .runtimeTest:
            return try await forwardRuntimeTest(request, caller: caller, replyTo: replyTo, correlationID: correlationID, on: channel)
        case .stats:
            guard seesAll(caller) else {
                throw DispatcherError.forbidden(
                    "only readers and admins (readers/admins in dispatcher.yml, or --reader/--admin) may read the dispatcher's stats")
            }
            return RPCResponse(ok: true, refusals: refusals.counts)
        case .volumeCreate, .volumeList, .volumeRemove, .volumeShare, .volumeUnshare:
            return try await answerVolume(request, caller: caller, on: channel)
        case .networkCreate, .networkList, .networkRemove:
            return try await answerNetwork(request, caller: caller)
        case .runtimeDeploy, .runtimeRemove:
            return try await answerRuntimeDeploy(
                request, caller: caller, replyTo: replyTo, correlationID: correlationID,
                on: channel)
        case .runtimeCommit:
            return try await commitRuntimeDeploy(request, caller: caller)
        case .runtimeStatus:
            return try await runtimeStatus(caller: caller)
        }
    }

    /// Readers and admins see every job; everybody else only their own.
    func seesAll(_ caller: String?) -> Bool {
        guard let caller else { return false }
        return config.admins.contains(caller) || config.readers.contains(caller)
    }

    /// The job a caller may see: another submitter's job is `not_found`, exactly like a missing one,
    /// so ids of other tenants' jobs cannot be probed.
    func visibleRecord(_ jobID: String?, caller: String?) async throws -> JobRecord {
        let all = seesAll(caller)
        guard all || !(caller ?? "").isEmpty else { throw unauthenticated("read jobs") }
        let id = try await store.resolve(try required(jobID), submitter: all ? nil : caller)
        guard let record = try await store.record(jobID: id) else { throw DispatcherError.notFound("no job \(id)") }
        return record
    }

    func unauthenticated(_ action: String) -> DispatcherError {
        DispatcherError(.unauthenticated, "set the user_id property to your broker user name to \(action)")
    }

    /// True when the job is terminal and every chunk it produced (`result.log_chunks`) has been
    /// returned up to the end of this page.
    func logsComplete(_ record: JobRecord, page: (chunks: [LogChunk], more: Bool), sinceSeq: UInt64) async throws -> Bool {
        guard record.state.isTerminal, !page.more else { return false }
        guard let expected = record.result?.logChunks else {
            // Ended without a worker result (lost, cancelled while queued …): nothing more will come.
            return record.state != .unschedulable
        }
        let stats = try await store.logStats(jobID: record.jobID)
        if stats.truncated { return true }
        return UInt64(stats.count) >= expected
    }

    func cancel(jobID: String, caller: String?, on channel: AMQPChannel) async throws -> RPCResponse {
        guard let record = try await store.record(jobID: jobID) else { throw DispatcherError.notFound("no job \(jobID)") }
        try authorize(caller, owner: record.submitter, action: "cancel")
        let now = Clock.now
        switch record.state {
        case .queued, .unschedulable:
            let reason = "cancelled by \(caller ?? "?") while queued"
            try await store.mark(jobID: jobID, .cancelled, reason: reason, time: now, allowedFrom: [.queued, .unschedulable])
            // Its message is still in a queue: tell every worker to drop it when it comes.
            try await sendControl(ControlCommand(command: .cancel, jobID: jobID), to: nil, on: channel)
            await publishEvent(
                JobEvent(jobID: jobID, state: .cancelled, time: now, reason: reason),
                submitter: record.submitter, on: channel)
        case .running:
            try await sendControl(ControlCommand(command: .cancel, jobID: jobID), to: record.workerID, on: channel)
        default:
            throw DispatcherError(.alreadyFinished, "job \(jobID) already ended (\(record.state.rawValue)); nothing to cancel")
        }
        return RPCResponse(ok: true, job: try await store.record(jobID: jobID))
    }

    func delete(_ request: RPCRequest, caller: String?) async throws -> RPCResponse {
        let isAdmin = caller.map(config.admins.contains) ?? false
        if let jobID = request.jobID {
            let id = try await store.resolve(jobID, submitter: seesAll(caller) ? nil : caller)
            guard let record = try await store.record(jobID: id) else { throw DispatcherError.notFound("no job \(id)") }
            try authorize(caller, owner: record.submitter, action: "delete")
            guard record.state.isTerminal else {
                throw DispatcherError(.notFinished, "job \(id) is \(record.state.rawValue); cancel it first, then delete it")
            }
            return RPCResponse(ok: true, deleted: try await store.delete(jobIDs: [id]))
        }
        guard let before = request.before ?? request.since else {
            throw DispatcherError.invalidRequest("delete: give job_id, or before (seconds since the epoch) to delete finished jobs older than it")
        }
        guard let caller, !caller.isEmpty else {
            throw DispatcherError(.unauthenticated, "set the user_id property to your broker user name to delete jobs")
        }
        // Non-admins delete only their own jobs; admins may narrow to one submitter.
        let owner = isAdmin ? request.submitter : caller
        let ids = try await store.finishedJobs(before: before, submitter: owner)
        return RPCResponse(ok: true, deleted: try await store.delete(jobIDs: ids))
    }

    func authorize(_ caller: String?, owner: String, action: String) throws {
        guard let caller, !caller.isEmpty else { throw unauthenticated("\(action) jobs") }
        guard caller == owner || config.admins.contains(caller) else {
            throw DispatcherError.forbidden("only \(owner) (who submitted it) or an admin may \(action) this job")
        }
    }

    /// Publishes a control command to one worker or all (nil); only the dispatcher may (workers
    /// obey nobody else). Workers' reports on it carry `correlationID` (a relay's id, or an order's).
    func sendControl(
        _ command: ControlCommand, to workerID: String?, correlationID: String? = nil, on channel: AMQPChannel
    ) async throws {
        try await channel.publish(
            try Envelope.encode(command), exchange: Topology.controlExchange,
            routingKey: Topology.controlRoutingKey(workerID: workerID),
            properties: Envelope.properties(type: MessageType.control, correlationID: correlationID, persistent: false))
    }

    func required(_ jobID: String?) throws -> String {
        guard let jobID, !jobID.isEmpty else { throw DispatcherError.invalidRequest("job_id: missing; give a job id or a unique prefix") }
        return jobID
    }
}
