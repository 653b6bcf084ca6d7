extension SandboxError.Code {
    /// A job's network (bridge, veth, addresses, nftables rules) could not be set up or removed.
    public static let network = SandboxError.Code("network")
}

extension SandboxError {
    static func network(_ stage: String, _ reason: String) -> SandboxError {
        SandboxError(code: .network, stage: stage, message: "\(stage): \(reason)")
    }
}
