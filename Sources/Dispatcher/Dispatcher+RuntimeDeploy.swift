import AMQP
import JobletCore
import JobletMessaging

extension Dispatcher {
    /// `runtime_deploy` / `runtime_remove`: admins only. The package is already in (or on its way
    /// into) the stream queue the order names — only admins may write there (broker permissions);
    /// this forwards the order to each targeted worker, whose reports the dispatcher passes on to the
    /// caller (``ReportRelays``) and also takes as the rollout's outcome.
    func answerRuntimeDeploy(
        _ request: RPCRequest, caller: String?, replyTo: String?, correlationID: String?,
        on channel: AMQPChannel
    ) async throws -> RPCResponse {
        let action = request.method == .runtimeDeploy ? "deploy" : "remove"
        guard let caller, !caller.isEmpty else { throw unauthenticated("\(action) runtimes") }
        guard config.admins.contains(caller) else {
            throw DispatcherError.forbidden("only admins (admins in dispatcher.yml, or --admin) may \(action) runtimes on workers")
        }
        guard let replyTo, !replyTo.isEmpty else {
            throw DispatcherError.invalidRequest("runtime_\(action) needs reply_to: the queue where workers' reports are sent")
        }
        let command: ControlCommand
        if request.method == .runtimeDeploy {
            guard let order = request.deploy else {
                throw DispatcherError.invalidRequest("deploy: missing; rnx runtime deploy fills it in")
            }
            do { try order.validate() } catch let error as JobletError {
                throw DispatcherError.invalidRequest(error.message)
            }
            guard order.deployer == caller else {
                throw DispatcherError.invalidRequest("deploy.deployer: must be you (\(caller)), who publishes the chunks")
            }
            command = ControlCommand(command: .runtimeDeploy, deploy: order)
        } else {
            guard let name = request.runtime, (1...256).contains(name.utf8.count) else {
                throw DispatcherError.invalidRequest("runtime: missing; give the runtime's name, e.g. node-18")
            }
            command = ControlCommand(command: .runtimeRemove, runtime: name)
        }
        let targets = try deployTargets(request)
        let now = Clock.now
        let target: RuntimeRollouts.Target
        if let order = command.deploy {
            try await store.announceDeployStream(order.deployID, at: now)
            target = .deploy(order)
        } else {
            // A removal needs no package: it is desired at once (a deploy when its upload is committed).
            let name = command.runtime ?? ""
            _ = try await store.setDesired(runtime: name, order: nil, groups: Self.desiredGroups(request), at: now)
            target = .remove(name)
        }
        try await relayed(caller: caller, replyTo: replyTo, correlationID: correlationID, to: Set(targets.map(\.workerID))) { relay in
            for worker in targets {
                // Marked pending first, so the convergence sweep does not send its own order meanwhile.
                rollouts.sent(target, runtime: command.deploy?.runtime ?? command.runtime ?? "", to: worker.workerID, now: now)
                try await sendControl(command, to: worker.workerID, correlationID: relay, on: channel)
            }
        }
        logger.info(
            "runtime \(action)",
            metadata: [
                "runtime": "\(request.deploy?.runtime ?? request.runtime ?? "-")", "by": "\(caller)",
                "workers": "\(targets.map(\.workerID).joined(separator: ","))",
            ])
        return RPCResponse(ok: true, workers: targets)
    }

    /// Live (not offline) workers named by `workers` (absent or `all`: every one) of `arch`.
    func deployTargets(_ request: RPCRequest) throws -> [WorkerAdvert] {
        let live = registry.live(now: Clock.now).filter { $0.status != .offline }
        var targets = live
        if let arch = request.arch {
            guard let normalized = Architecture.normalize(arch) else {
                throw DispatcherError.invalidRequest("arch: unknown architecture \(arch.prefix(64)); use x86_64 or aarch64")
            }
            targets = targets.filter { Architecture.normalize($0.arch) == normalized }
        }
        let names = request.workers ?? []
        guard names.count <= 4096 else { throw DispatcherError.invalidRequest("workers: at most 4096") }
        if !names.isEmpty, names != ["all"] {
            let known = Set(live.map(\.workerID))
            let unknown = names.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw DispatcherError.notFound("no live worker \(unknown.prefix(8).joined(separator: ", ")); live: \(known.sorted().joined(separator: ", "))")
            }
            let wanted = Set(names)
            targets = targets.filter { wanted.contains($0.workerID) }
        }
        guard !targets.isEmpty else {
            throw DispatcherError.notFound(
                "no live worker matches\(request.arch.map { " arch \($0.prefix(64))" } ?? "")\(names.isEmpty ? "" : " among \(names.prefix(8).joined(separator: ", "))"); live: \(live.map { "\($0.workerID) (\($0.arch))" }.sorted().joined(separator: ", "))"
            )
        }
        return targets
    }
}
