import AMQP
import JobletCore
import JobletMessaging

extension Dispatcher {
    /// Size of a volume created without one (by `volume_create` or on first use), at most `max_volume_size`.
    static let defaultVolumeSize = ByteSize(bytes: 1 << 30)

    /// volume_create/list/remove/share/unshare. Everybody manages their own volumes; admins
    /// anybody's (`OWNER/NAME`); readers and admins list all. Somebody else's volume that is not
    /// shared with the caller is `not_found`, exactly like a missing one.
    func answerVolume(_ request: RPCRequest, caller: String?, on channel: AMQPChannel) async throws -> RPCResponse {
        guard let caller, !caller.isEmpty else { throw unauthenticated("use volumes") }
        var response = RPCResponse(ok: true)
        switch request.method {
        case .volumeList:
            let stored = try await store.volumes(visibleTo: seesAll(caller) ? nil : caller)
            response.volumes = stored.map { info($0, for: caller) }
        case .volumeCreate:
            let name = try volumeName(request, caller: caller)
            try authorizeVolume(caller, owner: name.owner, action: "create volumes of \(name.owner)")
            let size = request.size ?? min(Self.defaultVolumeSize, config.maxVolumeSize)
            guard size.bytes >= JobVolume.sizeRange.lowerBound, size <= config.maxVolumeSize else {
                throw DispatcherError.invalidRequest(
                    "size: \(size) is out of range; give \(ByteSize(bytes: JobVolume.sizeRange.lowerBound)) to \(config.maxVolumeSize) (max_volume_size)")
            }
            switch try await store.createVolume(owner: name.owner, name: name.name, size: size, createdAt: Clock.now, quota: config.volumeQuota) {
            case .created:
                break
            case .exists:
                throw DispatcherError(.alreadyExists, "volume \(name.owner)/\(name.name) already exists; remove it first to make it anew")
            case .overQuota(let used):
                throw overVolumeQuota(owner: name.owner, name: name.name, size: size, used: used)
            }
            response.volumes = try await store.volume(owner: name.owner, name: name.name).map { [info($0, for: caller)] }
        case .volumeRemove:
            let volume = try await visibleVolume(request, caller: caller)
            try authorizeVolume(caller, owner: volume.owner, action: "remove volume \(volume.owner)/\(volume.name)")
            if let jobID = try await store.removeVolume(owner: volume.owner, name: volume.name) {
                throw DispatcherError(
                    .volumeInUse,
                    "volume \(volume.owner)/\(volume.name) is used by job \(jobID), which has not ended; wait for it or cancel it, then remove the volume")
            }
            // Every worker host that has a copy deletes it; one that is down finds its copy stale (another id) later.
            var command = ControlCommand(command: .volumeRemove)
            command.owner = volume.owner
            command.volume = volume.name
            try await sendControl(command, to: nil, on: channel)
        case .volumeShare, .volumeUnshare:
            let volume = try await visibleVolume(request, caller: caller)
            try authorizeVolume(caller, owner: volume.owner, action: "share volume \(volume.owner)/\(volume.name)")
            guard let user = request.with, BrokerUserName.isValid(user) else {
                throw DispatcherError.invalidRequest("with: give the broker user to share with (\(BrokerUserName.allowed))")
            }
            guard user != volume.owner else {
                throw DispatcherError.invalidRequest("with: \(user) owns volume \(volume.owner)/\(volume.name) already")
            }
            let readOnly = request.method == .volumeShare ? (request.readOnly ?? false) : nil
            let changed = try await store.setShare(owner: volume.owner, name: volume.name, user: user, readOnly: readOnly)
            if readOnly == nil, !changed {
                throw DispatcherError.notFound("volume \(volume.owner)/\(volume.name) is not shared with \(user)")
            }
            response.volumes = try await store.volume(owner: volume.owner, name: volume.name).map { [info($0, for: caller)] }
        default:
            throw DispatcherError.invalidRequest("\(request.method.rawValue) is not a volume method")
        }
        return response
    }

    /// The request's volumes as the submitter may mount them: `NAME` is the submitter's own
    /// (made with the default size on first use), `OWNER/NAME` somebody else's only when shared
    /// with the submitter (read-only when shared so).
    func resolveVolumes(_ names: [String]?, submitter: String) async throws -> [JobVolume]? {
        guard let names, !names.isEmpty else { return nil }
        // A loop, not `map`: the store calls in it are async.
        var volumes: [JobVolume] = []
        for text in names {
            guard let reference = VolumeReference(parsing: text) else {
                throw DispatcherError.invalidRequest("volumes: \"\(text.prefix(140))\" is not a volume; use \(VolumeReference.forms)")
            }
            let owner = reference.owner ?? submitter
            if owner == submitter {
                let size = min(Self.defaultVolumeSize, config.maxVolumeSize)
                let made = try await store.createVolume(
                    owner: owner, name: reference.name, size: size, createdAt: Clock.now, quota: config.volumeQuota)
                if case .overQuota(let used) = made { throw overVolumeQuota(owner: owner, name: reference.name, size: size, used: used) }
            }
            guard let volume = try await store.volume(owner: owner, name: reference.name) else {
                throw DispatcherError.notFound(
                    "volumes: no volume \(owner)/\(reference.name) shared with \(submitter); its owner can share it: rnx volume share \(reference.name) --with \(submitter)"
                )
            }
            var readOnly = false
            if owner != submitter {
                guard let share = volume.shares.first(where: { $0.user == submitter }) else {
                    throw DispatcherError.notFound(
                        "volumes: no volume \(owner)/\(reference.name) shared with \(submitter); its owner can share it: rnx volume share \(reference.name) --with \(submitter)"
                    )
                }
                readOnly = share.readOnly
            }
            volumes.append(JobVolume(owner: owner, name: volume.name, size: volume.size, readOnly: readOnly, id: volume.id))
        }
        return volumes
    }

    /// `quota_exceeded`, saying how much is taken and what to do.
    private func overVolumeQuota(owner: String, name: String, size: ByteSize, used: Int64) -> DispatcherError {
        DispatcherError(
            .quotaExceeded,
            "volume \(owner)/\(name) (\(size)) would take the volumes of \(owner) past volume_quota \(config.volumeQuota) (\(ByteSize(bytes: used)) taken): remove one (rnx volume remove NAME) or make it smaller"
        )
    }

    /// `name` of the request as (owner, name): `NAME` is the caller's, `OWNER/NAME` an explicit owner.
    private func volumeName(_ request: RPCRequest, caller: String) throws -> (owner: String, name: String) {
        guard let text = request.name, let reference = VolumeReference(parsing: text) else {
            throw DispatcherError.invalidRequest("name: give the volume as \(VolumeReference.forms)")
        }
        return (reference.owner ?? caller, reference.name)
    }

    /// The named volume when the caller may see it (owns it, it is shared with them, or they are a
    /// reader or admin); anything else is `not_found`.
    private func visibleVolume(_ request: RPCRequest, caller: String) async throws -> StoredVolume {
        let name = try volumeName(request, caller: caller)
        guard let volume = try await store.volume(owner: name.owner, name: name.name),
            volume.owner == caller || seesAll(caller) || volume.shares.contains(where: { $0.user == caller })
        else {
            throw DispatcherError.notFound("no volume \(name.owner)/\(name.name)")
        }
        return volume
    }

    private func authorizeVolume(_ caller: String, owner: String, action: String) throws {
        guard caller == owner || config.admins.contains(caller) else {
            throw DispatcherError.forbidden("only \(owner) (who owns it) or an admin may \(action)")
        }
    }

    private func info(_ volume: StoredVolume, for caller: String) -> VolumeInfo {
        let isOwner = volume.owner == caller
        let access: String
        if isOwner {
            access = "owner"
        } else if let share = volume.shares.first(where: { $0.user == caller }) {
            access = share.readOnly ? "read_only" : "read_write"
        } else {
            access = config.admins.contains(caller) ? "admin" : "reader"
        }
        let showShares = isOwner || config.admins.contains(caller) || config.readers.contains(caller)
        return VolumeInfo(
            owner: volume.owner, name: volume.name, size: volume.size, createdAt: volume.createdAt,
            access: access, shares: showShares ? volume.shares : nil)
    }
}
