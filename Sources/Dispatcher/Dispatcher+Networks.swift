import JobletCore
import JobletMessaging

extension Dispatcher {
    /// network_create/list/remove. Everybody manages their own networks; admins anybody's
    /// (`OWNER/NAME`); readers and admins list all. Another submitter's network is `not_found`.
    func answerNetwork(_ request: RPCRequest, caller: String?) async throws -> RPCResponse {
        guard let caller, !caller.isEmpty else { throw unauthenticated("use networks") }
        var response = RPCResponse(ok: true)
        switch request.method {
        case .networkList:
            response.networks = try await store.networks(owner: seesAll(caller) ? nil : caller)
        case .networkCreate:
            let (owner, name) = try networkName(request, caller: caller)
            switch try await store.createNetwork(owner: owner, name: name, createdAt: Clock.now, limit: config.maxNetworks) {
            case .created: break
            case .exists: throw DispatcherError(.alreadyExists, "network \(owner)/\(name) already exists")
            case .overLimit where config.maxNetworks == 0:
                throw DispatcherError(.forbidden, "named networks are turned off on this dispatcher (max_networks: 0); use --network bridge or none")
            case .overLimit:
                throw DispatcherError(
                    .quotaExceeded,
                    "\(owner) has \(config.maxNetworks) networks, the most the dispatcher allows (max_networks); remove one first (rnx network remove NAME)")
            }
            response.networks = try await store.network(owner: owner, name: name).map { [$0] }
        case .networkRemove:
            let (owner, name) = try networkName(request, caller: caller)
            guard try await store.network(owner: owner, name: name) != nil else {
                throw DispatcherError.notFound("no network \(name)\(owner == caller ? "" : " of \(owner)"); rnx network list shows yours")
            }
            if let jobID = try await store.removeNetwork(owner: owner, name: name) {
                throw DispatcherError(
                    .networkInUse, "network \(owner)/\(name) is used by job \(jobID), which has not ended; wait for it or cancel it, then remove the network")
            }
        default:
            throw DispatcherError.invalidRequest("\(request.method.rawValue) is not a network method")
        }
        return response
    }

    /// `NAME` (the caller's) or, for admins, `OWNER/NAME`.
    private func networkName(_ request: RPCRequest, caller: String) throws -> (owner: String, name: String) {
        guard let text = request.name else { throw DispatcherError.invalidRequest("name: give the network's name") }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let owner = parts.count == 2 ? parts[0] : caller
        let name = parts.last ?? ""
        guard parts.count <= 2, BrokerUserName.isValid(owner), JobNetwork.isValidName(name) else {
            throw DispatcherError.invalidRequest("name: \"\(text.prefix(140))\" is not a network name; give \(JobNetwork.forms)")
        }
        guard owner == caller || config.admins.contains(caller) else {
            // Another tenant's network is as absent as a missing one.
            throw DispatcherError.notFound("no network \(name) of \(owner)")
        }
        return (owner, name)
    }

    /// A job on a named network needs its submitter to have made it (`rnx network create NAME`).
    func checkNetwork(_ network: JobNetwork, submitter: String) async throws {
        guard case .named(let name) = network else { return }
        guard try await store.network(owner: submitter, name: name) != nil else {
            throw DispatcherError.notFound("network: you have no network \(name); create it first: rnx network create \(name)")
        }
    }
}
