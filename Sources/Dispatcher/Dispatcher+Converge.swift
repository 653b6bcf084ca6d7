import AMQP
import JobletCore
import JobletMessaging

/// The fleet converges on the desired runtimes (docs/DESIGN.md): what admins deployed or removed is
/// recorded per worker group, and every sweep sends each live worker that lacks a desired runtime
/// (or still has a removed one) the order — one at a time per worker and runtime, with backoff
/// after failures. Workers' reports come to the dispatcher's private reports queue (Dispatcher+Reports).
extension Dispatcher {
    /// A deploy stream never committed is deleted after this long (an rnx that died mid-upload).
    static let uncommittedStreamLifetime = 86_400.0

    /// The groups a `runtime_deploy` / `runtime_remove` request addresses.
    static func desiredGroups(_ request: RPCRequest) -> [String] {
        let names = request.workers ?? []
        if names.isEmpty || names == ["all"] {
            return [request.arch.flatMap(Architecture.normalize).map { "arch:" + $0 } ?? "all"]
        }
        return names.map { "worker:" + $0 }
    }

    /// `runtime_commit`: the admin's upload is complete; the order becomes the desired runtime of the
    /// groups it was deployed to, and the stream is kept for workers that get it later.
    func commitRuntimeDeploy(_ request: RPCRequest, caller: String?) async throws -> RPCResponse {
        guard let caller, !caller.isEmpty else { throw unauthenticated("deploy runtimes") }
        guard config.admins.contains(caller) else {
            throw DispatcherError.forbidden("only admins (admins in dispatcher.yml, or --admin) may deploy runtimes on workers")
        }
        guard let order = request.deploy else { throw DispatcherError.invalidRequest("deploy: missing; rnx runtime deploy fills it in") }
        do { try order.validate() } catch let error as JobletError { throw DispatcherError.invalidRequest(error.message) }
        guard order.deployer == caller else { throw DispatcherError.invalidRequest("deploy.deployer: must be you (\(caller))") }
        guard try await store.setDesired(runtime: order.runtime, order: order, groups: Self.desiredGroups(request), at: Clock.now) else {
            throw DispatcherError.notFound("deploy \(order.deployID) was never announced with runtime_deploy")
        }
        logger.info(
            "runtime desired",
            metadata: [
                "runtime": "\(order.runtime)", "version": "\(order.version)",
                "groups": "\(Self.desiredGroups(request).joined(separator: ","))",
            ])
        return RPCResponse(ok: true)
    }

    /// `runtime_status`: per live worker, each desired runtime's state.
    func runtimeStatus(caller: String?) async throws -> RPCResponse {
        guard let caller, !caller.isEmpty else { throw unauthenticated("read the runtime rollout") }
        var response = RPCResponse(ok: true)
        response.rollout = rollouts.status(desired: try await store.desiredRuntimes(), adverts: registry.live(now: Clock.now))
        return response
    }

    /// One convergence pass (from the sweep): sends due orders and deletes streams nobody needs.
    public func convergeRuntimes(on channel: AMQPChannel) async throws {
        let now = Clock.now
        let desired = try await store.desiredRuntimes()
        for order in rollouts.plan(desired: desired, adverts: registry.live(now: now), now: now) {
            let command =
                switch order.target {
                case .deploy(let deploy): ControlCommand(command: .runtimeDeploy, deploy: deploy)
                case .remove(let name): ControlCommand(command: .runtimeRemove, runtime: name)
                }
            rollouts.sent(order.target, runtime: order.runtime, to: order.worker, now: now)
            logger.info(
                "runtime order to converge",
                metadata: [
                    "worker": "\(order.worker)", "runtime": "\(order.runtime)",
                    "command": "\(command.command.rawValue)",
                ])
            try await sendControl(command, to: order.worker, correlationID: JobID.generate(), on: channel)
        }
        let unused = try await store.unusedDeployStreams(staleBefore: now - Self.uncommittedStreamLifetime)
        guard !unused.isEmpty else { return }
        // A channel of its own: a refused delete closes the channel it was sent on.
        let deleting = try await channel.connection.openChannel()
        for deployID in unused {
            do {
                try await deleting.deleteQueue(Topology.deployQueue(deployID: deployID))
            } catch {
                logger.warning("cannot delete a deploy stream", metadata: ["deploy": "\(deployID)", "error": "\(error)"])
                break
            }
            try await store.forgetDeployStream(deployID)
            logger.info("deploy stream deleted", metadata: ["deploy": "\(deployID)"])
        }
        await deleting.close()
    }
}
