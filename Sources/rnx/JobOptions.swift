import ArgumentParser
import JobletCore
import JobletPackages

/// What a job asks for: runtime, files, environment and limits. Shared by `submit` and `run`.
struct JobOptions: ParsableArguments, Sendable {
    @Option(
        help: ArgumentHelp(
            "Runtime spec: python:3.11, python:3.11+ml, node:20, java:17 or an id like python-3.11-ml. Omit to run on the host base.", valueName: "spec"))
    var runtime: String?

    @Option(help: ArgumentHelp("Architecture constraint: x86_64 (amd64) or aarch64 (arm64).", valueName: "arch"))
    var arch: String?

    @Option(name: .customLong("upload"), help: ArgumentHelp("A file or directory to put in the job's /work (repeatable; permissions kept).", valueName: "path"))
    var uploads: [String] = []

    @Option(
        name: .customLong("volume"),
        help: ArgumentHelp(
            "A volume mounted at /volumes/<name>: NAME (yours, made on first use) or OWNER/NAME (shared with you); repeatable. See rnx volume.",
            valueName: "name"))
    var volumes: [String] = []

    @Option(
        help: ArgumentHelp(
            "none (default: loopback only), bridge (outbound through NAT on the worker) or the name of one of your networks (rnx network create).",
            valueName: "network"))
    var network: String?

    @Option(name: [.customShort("e"), .customLong("env")], help: ArgumentHelp("An environment variable for the job (repeatable).", valueName: "K=V"))
    var environment: [String] = []

    @Option(name: .customLong("max-memory"), help: ArgumentHelp("Memory limit, e.g. 512M, 1.5G.", valueName: "size"))
    var maxMemory: String?

    @Option(name: .customLong("max-cpu"), help: ArgumentHelp("CPU limit in percent of one core: 150 = 1.5 cores.", valueName: "percent"))
    var maxCPU: Int?

    @Option(name: .customLong("cpu-cores"), help: ArgumentHelp("CPUs the job may use, e.g. 0-1 or 0,2.", valueName: "list"))
    var cpuCores: String?

    @Option(name: .customLong("max-iobps"), help: ArgumentHelp("Disk bandwidth limit per second, e.g. 10M.", valueName: "size"))
    var maxIOBPS: String?

    @Option(name: .customLong("max-pids"), help: ArgumentHelp("Maximum number of processes and threads.", valueName: "n"))
    var maxPIDs: Int?

    @Option(help: ArgumentHelp("Wall-clock limit, e.g. 90s, 10m, 1h30m.", valueName: "duration"))
    var timeout: String?

    @Option(name: .customLong("max-disk"), help: ArgumentHelp("Space for everything the job writes (/work, /tmp, uploads), e.g. 2G.", valueName: "size"))
    var maxDisk: String?

    @Option(name: .customLong("max-output"), help: ArgumentHelp("Output kept (stdout + stderr); the rest is dropped, e.g. 100M.", valueName: "size"))
    var maxOutput: String?

    @Option(name: .customLong("max-netbps"), help: ArgumentHelp("Network bandwidth each way per second for a job with --network, e.g. 10M.", valueName: "size"))
    var maxNetBPS: String?

    @Option(help: ArgumentHelp("A name shown in listings.", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("0 (default) to 9 (most urgent).", valueName: "n"))
    var priority: Int?

    mutating func validate() throws {
        _ = try limits()
        _ = try environmentTable()
        if let arch, Architecture.normalize(arch) == nil {
            throw ValidationError("--arch \"\(arch)\" is not known; use x86_64 (amd64) or aarch64 (arm64)")
        }
        if let network, JobNetwork(parsing: network) == nil {
            throw ValidationError("--network \"\(network)\" is not a network; give \(JobNetwork.forms)")
        }
    }

    /// The limits, parsed; errors show the accepted forms.
    func limits() throws -> JobLimits? {
        do {
            let limits = JobLimits(
                memory: try JobOptions.parse("--max-memory", maxMemory, ByteSize.init(parsing:)),
                cpuPercent: maxCPU,
                cpuCores: cpuCores,
                ioBytesPerSecond: try JobOptions.parse("--max-iobps", maxIOBPS, ByteSize.init(parsing:)),
                pids: maxPIDs,
                timeout: try JobOptions.parse("--timeout", timeout, JobDuration.init(parsing:)),
                disk: try JobOptions.parse("--max-disk", maxDisk, ByteSize.init(parsing:)),
                output: try JobOptions.parse("--max-output", maxOutput, ByteSize.init(parsing:)),
                netBytesPerSecond: try JobOptions.parse("--max-netbps", maxNetBPS, ByteSize.init(parsing:)))
            try limits.validate()
            return limits == JobLimits() ? nil : limits
        } catch let error as JobletError {
            throw ValidationError(JobOptions.flagNames(error.description))
        }
    }

    private static func parse<T>(_ flag: String, _ text: String?, _ parser: (String) throws -> T) throws -> T? {
        guard let text else { return nil }
        do {
            return try parser(text)
        } catch let error as JobletError {
            throw ValidationError("\(flag): \(error.description)")
        }
    }

    /// Error texts name the flag the user typed rather than the JSON field.
    static func flagNames(_ message: String) -> String {
        let replacements = [
            ("limits.memory", "--max-memory"), ("limits.cpu_percent", "--max-cpu"),
            ("limits.cpu_cores", "--cpu-cores"), ("limits.io_bps", "--max-iobps"),
            ("limits.pids", "--max-pids"), ("limits.timeout", "--timeout"),
            ("limits.disk", "--max-disk"), ("limits.output", "--max-output"), ("limits.net_bps", "--max-netbps"),
        ]
        for (field, flag) in replacements where message.hasPrefix(field) {
            return flag + message.dropFirst(field.count)
        }
        return message
    }

    func environmentTable() throws -> [String: String]? {
        guard !environment.isEmpty else { return nil }
        var table: [String: String] = [:]
        for item in environment {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("-e \"\(item)\": write it as NAME=value")
            }
            table[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return table
    }

    /// What `rnx run` and `rnx submit` captured after their options (passthrough): the command line
    /// without a leading `--`; nil once `command`'s help is printed for a lone --help or -h, which
    /// the capture swallows.
    static func commandLine<Command: ParsableCommand>(_ captured: [String], of command: Command.Type) -> [String]? {
        if captured.first == "--help" || captured.first == "-h" {
            Terminal.out(RNX.helpMessage(for: command))
            return nil
        }
        return captured.first == "--" ? Array(captured.dropFirst()) : captured
    }

    /// The request for `command`, with uploads packed and size-checked against `maxUploadBytes`.
    func request(command: [String], maxUploadBytes: Int64) throws -> JobRequest {
        guard !command.isEmpty else {
            throw ValidationError("give the command to run after the options, e.g. rnx run -- python -c 'print(42)'")
        }
        var request = JobRequest(
            command: command, runtime: runtime, arch: arch.flatMap(Architecture.normalize),
            env: try environmentTable(), upload: try upload(maxUploadBytes: maxUploadBytes),
            volumes: volumes.isEmpty ? nil : volumes, limits: try limits(), name: name,
            priority: priority, network: network == "none" ? nil : network)
        if request.env?.isEmpty == true { request.env = nil }
        do {
            try request.validate(maxUploadBytes: Int(maxUploadBytes))
        } catch let error as JobletError {
            throw RNXError(.usage, error.message, cause: error.cause)
        }
        return request
    }

    /// Packs `--upload` paths into a tar.gz; refuses one over the inline limit before sending anything.
    func upload(maxUploadBytes: Int64) throws -> JobUpload? {
        guard !uploads.isEmpty else { return nil }
        let archive: [UInt8]
        do {
            archive = try ArchiveWriter.tarGz(paths: uploads)
        } catch let error as JobletError {
            throw RNXError(.io, "cannot pack --upload: \(error.message)", cause: error.cause)
        }
        // Base64 grows the archive by 4/3; the broker refuses messages over its max size (128M on 3.10, 16M from 4.0).
        let brokerLimit: Int64 = 16 << 20
        if Int64(archive.count) > maxUploadBytes || Int64(archive.count) * 4 / 3 > brokerLimit {
            throw RNXError(
                .usage,
                "--upload: the files pack to \(ByteSize(bytes: Int64(archive.count))) (compressed), over the \(ByteSize(bytes: min(maxUploadBytes, brokerLimit * 3 / 4))) limit for inline uploads; upload less, put large data in a --volume, or raise max_upload in rnx.yml (the dispatcher's limit applies too)"
            )
        }
        return JobUpload(archive: archive, size: try UploadSize.total(of: uploads))
    }
}
