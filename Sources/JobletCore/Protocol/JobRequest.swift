/// A job submission: the body of a `joblet.job.request.v1` message on the `joblet.submit` queue.
///
/// This is public API: foreign services build it with any JSON library (see docs/PROTOCOL.md).
public struct JobRequest: Sendable, Equatable, Codable {
    /// The command and its arguments; `command[0]` is looked up in the sandbox's PATH.
    public var command: [String]
    /// Runtime spec such as `python:3.11+ml`, `node:20`, `python-3.11-ml`; absent = host base only.
    public var runtime: String?
    /// Architecture constraint (`x86_64`, `aarch64`); absent = any with capacity.
    public var arch: String?
    /// Extra environment variables (names `[A-Za-z_][A-Za-z0-9_]*`, not `JOB_ID`, at most 1024).
    public var env: [String: String]?
    /// An inline archive extracted into `/work` before the command runs (at most `max_upload`).
    public var upload: JobUpload?
    /// Volumes mounted at `/volumes/<name>`: `NAME` (the submitter's own) or `OWNER/NAME` (shared with the submitter).
    public var volumes: [String]?
    /// Resource limits; absent fields take the worker's defaults, and its maxima cap them.
    public var limits: JobLimits?
    /// A human name for listings.
    public var name: String?
    /// 0 (default) to 9 (most urgent).
    public var priority: Int?
    /// `none` (default: loopback only), `bridge` (NAT outbound) or one of the submitter's networks; see ``JobNetwork``.
    public var network: String?

    public init(
        command: [String], runtime: String? = nil, arch: String? = nil, env: [String: String]? = nil,
        upload: JobUpload? = nil, volumes: [String]? = nil, limits: JobLimits? = nil,
        name: String? = nil, priority: Int? = nil, network: String? = nil
    ) {
        self.command = command
        self.runtime = runtime
        self.arch = arch
        self.env = env
        self.upload = upload
        self.volumes = volumes
        self.limits = limits
        self.name = name
        self.priority = priority
        self.network = network
    }

    /// Environment names the sandbox owns; a job may not override them.
    public static let reservedEnvironment: Set<String> = ["JOB_ID"]

    /// Checks every field; the error names the field and what is accepted.
    public func validate(maxUploadBytes: Int = 8 << 20) throws {
        guard let program = command.first, !program.isEmpty else {
            throw JobletError(.invalidArgument, "command: must not be empty; give the program and its arguments, like [\"python\", \"app.py\"]")
        }
        if let index = command.firstIndex(where: { $0.utf8.contains(0) }) {
            throw JobletError(.invalidArgument, "command[\(index)]: must not contain NUL bytes")
        }
        guard command.count <= Self.maxArguments else {
            throw JobletError(.invalidArgument, "command: \(command.count) arguments is over \(Self.maxArguments); pass long lists in a file (--upload)")
        }
        guard (env?.count ?? 0) <= Self.maxEnvironment else {
            throw JobletError(.invalidArgument, "env: \(env?.count ?? 0) variables is over \(Self.maxEnvironment); pass settings in a file (--upload)")
        }
        let commandBytes =
            command.reduce(0) { $0 + $1.utf8.count + 1 }
            + (env ?? [:]).reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
        guard commandBytes <= Self.maxCommandBytes else {
            throw JobletError(
                .invalidArgument,
                "command and env: \(ByteSize(bytes: Int64(commandBytes))) is over \(ByteSize(bytes: Int64(Self.maxCommandBytes))) (the kernel's exec limit is near); pass large data as an upload"
            )
        }
        for (key, value) in env ?? [:] {
            guard JobRequest.isValidEnvironmentName(key) else {
                throw JobletError(.invalidArgument, "env.\(key): not a valid variable name; use letters, digits and _ (not starting with a digit)")
            }
            guard !JobRequest.reservedEnvironment.contains(key) else {
                throw JobletError(.invalidArgument, "env.\(key): is set by Joblet and cannot be overridden")
            }
            if value.utf8.contains(0) { throw JobletError(.invalidArgument, "env.\(key): must not contain NUL bytes") }
        }
        guard (volumes?.count ?? 0) <= Self.maxVolumes else {
            throw JobletError(.invalidArgument, "volumes: \(volumes?.count ?? 0) volumes is over \(Self.maxVolumes)")
        }
        var mountNames: Set<String> = []
        for volume in volumes ?? [] {
            guard let reference = VolumeReference(parsing: volume) else {
                throw JobletError(.invalidArgument, "volumes: \"\(volume.prefix(140))\" is not a valid volume name; use \(VolumeReference.forms)")
            }
            // Each is mounted at /volumes/<name>, whoever owns it.
            guard mountNames.insert(reference.name).inserted else {
                throw JobletError(.invalidArgument, "volumes: two volumes named \"\(reference.name)\"; both would be mounted at /volumes/\(reference.name)")
            }
        }
        if let priority, !(0...9).contains(priority) {
            throw JobletError(.invalidArgument, "priority: \(priority) is out of range; give 0 (default) to 9 (most urgent)")
        }
        if let arch, Architecture.normalize(arch) == nil {
            throw JobletError(.invalidArgument, "arch: \"\(arch)\" is not known; use x86_64 (amd64) or aarch64 (arm64)")
        }
        if let runtime, runtime.isEmpty || runtime.utf8.count > 128 {
            throw JobletError(.invalidArgument, "runtime: must be 1-128 characters, like \"python:3.11\"; omit it to run on the host base")
        }
        if let upload {
            // base64 is 4/3 of the archive.
            if upload.data.utf8.count / 4 * 3 > maxUploadBytes {
                throw JobletError(
                    .invalidArgument,
                    "upload: \(ByteSize(bytes: Int64(upload.data.utf8.count / 4 * 3))) is over the \(ByteSize(bytes: Int64(maxUploadBytes))) limit for inline uploads"
                )
            }
            _ = try upload.archiveBytes()
        }
        if let network, JobNetwork(parsing: network) == nil {
            throw JobletError(.invalidArgument, "network: \"\(network.prefix(80))\" is not a network; give \(JobNetwork.forms)")
        }
        if let name, name.count > 200 {
            throw JobletError(.invalidArgument, "name: longer than 200 characters")
        }
        try limits?.validate()
    }

    public static let maxArguments = 4096
    public static let maxEnvironment = 1024
    /// Arguments and environment together, well under the kernel's exec limit (ARG_MAX, 2 MiB by default).
    public static let maxCommandBytes = 1 << 20
    public static let maxVolumes = 32

    public static func isValidEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    public static func isValidVolumeName(_ name: String) -> Bool {
        guard (1...64).contains(name.count), let first = name.unicodeScalars.first,
            ("a"..."z").contains(first) || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }
}
