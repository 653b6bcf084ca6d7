/// How the sandbox's init ended.
public enum ExitStatus: Sendable, Equatable {
    /// Init exited with this code: the command's exit code, or 128+signal when the command was killed.
    case exited(Int32)
    /// Init itself was killed by this signal (``SandboxProcess/kill()``).
    case signaled(Int32)

    /// The shell-style code: `exited(c)` -> c, `signaled(s)` -> 128+s.
    public var code: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }
}
