import JobletCore

/// Where a job goes: the resolved runtime (nil for host jobs), the architecture, and its queue.
public struct Route: Sendable, Equatable {
    public var runtime: RuntimeDescriptor?
    public var arch: String
    /// `<runtime-id>@<arch>`, the routing key on `joblet.jobs`.
    public var target: String
    /// `joblet.jobs.<target>`.
    public var queue: String

    public init(runtime: RuntimeDescriptor?, arch: String, network: Bool = false) {
        self.runtime = runtime
        self.arch = arch
        self.target = Topology.target(runtimeID: runtime?.id, arch: arch, network: network)
        self.queue = Topology.jobQueue(runtimeID: runtime?.id, arch: arch, network: network)
    }
}
