/// What network a job gets (`JobRequest.network`): `none` (loopback only, the default), `bridge`
/// (outbound through NAT on the worker host) or the name of one of the submitter's networks
/// (`bridge`, and the jobs of that network on one worker host reach each other by name).
public enum JobNetwork: Sendable, Equatable, Hashable {
    /// Loopback only (the default).
    case none
    /// The shared bridge: an address, outbound through NAT on the worker host, DNS.
    case bridge
    /// One of the submitter's networks (`network_create`), bridged like `bridge`.
    case named(String)

    /// Parses the wire form; nil when it is none of the three.
    public init?(parsing text: String) {
        switch text {
        case "none": self = .none
        case "bridge": self = .bridge
        default:
            guard Self.isValidName(text) else { return nil }
            self = .named(text)
        }
    }

    /// The `JobRequest.network` string: `none`, `bridge` or the network's name.
    public var wireValue: String {
        switch self {
        case .none: "none"
        case .bridge: "bridge"
        case .named(let name): name
        }
    }

    /// The mode a worker must offer (WorkerAdvert.networks): `none`, `bridge` or `named`.
    public var mode: String {
        switch self {
        case .none: Self.noneMode
        case .bridge: Self.bridgeMode
        case .named: Self.namedMode
        }
    }

    /// Jobs with a network wait in their own queue (`<target>+net`), consumed only by workers that offer one.
    public var needsNetworkQueue: Bool { self != .none }

    public static let noneMode = "none"
    public static let bridgeMode = "bridge"
    public static let namedMode = "named"
    public static let modes = [noneMode, bridgeMode, namedMode]
    public static let forms = "none, bridge or the name of one of your networks ([a-z0-9][a-z0-9._-]*, at most 32 characters; rnx network create NAME)"
    public static let maxNameLength = 32

    /// Names of networks: like volume names, but short (they end up in host interface tables) and
    /// never one of the modes.
    public static func isValidName(_ name: String) -> Bool {
        guard name.utf8.count <= maxNameLength, name != "none", name != "bridge" else { return false }
        return JobRequest.isValidVolumeName(name)
    }
}

extension JobRequest {
    /// The network asked for; `none` when absent (or, for an invalid one, after `validate` failed).
    public var jobNetwork: JobNetwork { network.flatMap(JobNetwork.init(parsing:)) ?? .none }
}
