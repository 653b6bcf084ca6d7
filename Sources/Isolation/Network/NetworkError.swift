extension SandboxError {
    /// A `.network` failure at `stage` (e.g. `network.pool`): the message names the stage, then why.
    static func network(_ stage: String, _ reason: String) -> SandboxError {
        SandboxError(code: .network, stage: stage, message: "\(stage): \(reason)")
    }
}
