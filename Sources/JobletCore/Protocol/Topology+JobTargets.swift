extension Topology {
    /// The targets a worker consumes: `host@<arch>` and `<runtime>@<arch>` for each runtime, and their
    /// `+net` twins where it offers job networks. Parts that cannot be a queue name are left out.
    /// The worker consumes these queues and the dispatcher declares exactly these for its advert, so
    /// both derive them here.
    public static func jobTargets(arch: String, runtimeIDs: [String], networked: Bool) -> [String] {
        guard isValidTargetPart(arch) else { return [] }
        let plain =
            [target(runtimeID: nil, arch: arch)]
            + runtimeIDs.filter(isValidTargetPart).map { target(runtimeID: $0, arch: arch) }
        return networked ? plain + plain.map { $0 + networkSuffix } : plain
    }

    /// A runtime id or architecture that may appear in a queue name: 1-100 letters, digits, `.`, `_`
    /// or `-` (no `@` or `+`, which separate a target's parts; a queue name has at most 255 bytes).
    public static func isValidTargetPart(_ part: String) -> Bool {
        (1...100).contains(part.utf8.count)
            && part.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}

extension WorkerAdvert {
    /// The targets whose queues this worker consumes (`Topology.jobTargets`).
    public var jobTargets: [String] {
        let networked = networks?.contains { $0 != JobNetwork.noneMode } ?? false
        return Topology.jobTargets(arch: arch, runtimeIDs: runtimes.map(\.id), networked: networked)
    }
}
