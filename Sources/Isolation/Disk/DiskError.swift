extension SandboxError.Code {
    /// The job's disk (a loop-backed filesystem) could not be made, mounted or removed.
    public static let disk = SandboxError.Code("disk")
}

extension SandboxError {
    static func disk(_ stage: String, _ reason: String) -> SandboxError {
        SandboxError(code: .disk, stage: stage, message: "\(stage): \(reason)")
    }
}
