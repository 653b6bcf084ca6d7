import Isolation
import JobletCore

/// A runtime this worker can run jobs with: what it advertises and what the sandbox mounts.
public struct InstalledRuntime: Sendable {
    public var descriptor: RuntimeDescriptor
    public var directory: String
    /// Host source -> target inside the sandbox, read-only unless the runtime says otherwise.
    public var mounts: [MountSpec]
    /// The runtime's environment with `PATH_PREPEND` already merged into `PATH`.
    public var environment: [String: String]
    /// The runtime's smoke test (`runtime.yml` `test`), as argv.
    public var testCommand: [String]?
    /// runtime.yml `package_manager`: its cache is mounted per submitter (JobRunner+PackageCache).
    public var packageManager: RuntimeConfig.PackageManager? = nil
}
