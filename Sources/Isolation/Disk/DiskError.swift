extension SandboxError {
    /// A `.disk` failure at `stage` (e.g. `mkfs.ext4`): the message names the stage, then why.
    static func disk(_ stage: String, _ reason: String) -> SandboxError {
        SandboxError(code: .disk, stage: stage, message: "\(stage): \(reason)")
    }
}
