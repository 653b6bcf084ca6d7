/// What a program run left behind: its exit status (or minus the signal that ended it) and everything it wrote.
public struct CommandResult: Sendable, CustomStringConvertible {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    public var description: String {
        let ending = status < 0 ? "killed by signal \(-status)" : "exit \(status)"
        return "\(ending)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
    }
}
