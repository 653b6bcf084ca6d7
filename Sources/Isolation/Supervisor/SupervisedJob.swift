/// The supervisor's record of one running sandbox. Its mutable fields belong to the supervisor:
/// they change only under its job table's lock (on the loop thread, or while registering).
final class SupervisedJob: @unchecked Sendable {
    /// Which descriptor of the job an epoll token names (the token's low two bits).
    enum Slot: UInt64 {
        case pidfd = 0, stdout = 1, stderr = 2
    }

    let id: UInt64
    let exit: SandboxExit
    let output: SandboxOutput
    /// Held so that the namespace's teardown (an RCU grace period) happens on the blocking
    /// executor after the status is published, instead of in init's exit before it is visible.
    let mountNamespace: Int32
    let pidfd: Int32
    /// Read ends of stdout and stderr, closed only through `SupervisedPipe.close(epoll:)`.
    var pipes: [SupervisedPipe]
    var budget: OutputBudget
    var reaped = false

    init(
        id: UInt64, pidfd: Int32, mountNamespace: Int32, stdout: Int32, stderr: Int32,
        outputLimit: Int64?, exit: SandboxExit, output: SandboxOutput
    ) {
        self.id = id
        self.pidfd = pidfd
        self.mountNamespace = mountNamespace
        self.pipes = [SupervisedPipe(stdout), SupervisedPipe(stderr)]
        self.budget = OutputBudget(limit: outputLimit)
        self.exit = exit
        self.output = output
    }

    func token(_ slot: Slot) -> UInt64 { id << 2 | slot.rawValue }

    /// Both pipes are closed and init is reaped: nothing left to supervise.
    var isDone: Bool { reaped && !pipes.contains(where: \.isOpen) }

    static let streams: [OutputStream] = [.stdout, .stderr]
}
