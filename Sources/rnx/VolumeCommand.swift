import ArgumentParser
import JobletCore

/// `rnx volume …`: the caller's volumes (persistent storage for jobs), and sharing them.
struct VolumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Volumes: persistent storage of a fixed size that jobs mount at /volumes/<name>.",
        discussion: """
            A volume belongs to the broker user who creates it. Jobs mount their submitter's own volumes \
            (--volume NAME, made with the default size on first use) and volumes shared with the \
            submitter (--volume OWNER/NAME). A volume's data lives on each worker host a job used it on.

            Examples:
              rnx volume create data --size 2G
              rnx run --volume data -- sh -c 'date >> /volumes/data/log'
              rnx volume list
              rnx volume share data --with bob --read-only
              rnx volume unshare data --with bob
              rnx volume remove data
            """,
        subcommands: [VolumeCreate.self, VolumeList.self, VolumeRemove.self, VolumeShare.self, VolumeUnshare.self],
        defaultSubcommand: VolumeList.self)
}

/// `rnx volume create NAME [--size SIZE]`.
struct VolumeCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a volume of a size (default 1G, at most the dispatcher's max_volume_size).",
        discussion: """
            Writes past the size fail with ENOSPC ("No space left on device"). The size cannot change; \
            remove the volume and create it again to start over.

            Examples:
              rnx volume create data
              rnx volume create models --size 20G
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The volume's name: [a-z0-9][a-z0-9._-]*, up to 64 characters.") var name: String
    @Option(help: ArgumentHelp("The volume's size, like 512M or 2G.", valueName: "size")) var size: String?

    func run() async throws {
        var request = RPCRequest(method: .volumeCreate, name: name)
        if let size {
            do { request.size = try ByteSize(parsing: size) } catch {
                throw RNXError(.usage, "--size: \"\(size)\" is not \(ByteSize.acceptedForms)")
            }
        }
        let response = try await global.query(request)
        if output.json { try output.printJSON(response.volumes ?? []); return }
        let volume = response.volumes?.first
        Terminal.out("created volume \(volume.map { "\($0.owner)/\($0.name)" } ?? name) (\(volume?.size.description ?? "?"))")
    }
}

/// `rnx volume list`.
struct VolumeList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List your volumes and those shared with you (admins and readers: all).",
        discussion: """
            Examples:
              rnx volume list
              rnx volume list --json | jq '.[].name'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let volumes = try await global.query(RPCRequest(method: .volumeList)).volumes ?? []
        try output.printTable(
            volumes, columns: ["OWNER", "NAME", "SIZE", "ACCESS", "SHARED WITH", "CREATED"],
            empty: "no volumes: rnx volume create NAME --size 1G (or run a job with --volume NAME)"
        ) { volume in
            let shares =
                volume.shares.map { list in
                    list.isEmpty ? "-" : list.map { "\($0.user)\($0.readOnly ? " (ro)" : "")" }.joined(separator: ", ")
                } ?? "-"
            return [volume.owner, volume.name, volume.size.description, volume.access, shares, Format.ago(volume.createdAt)]
        }
    }
}

/// `rnx volume remove NAME`.
struct VolumeRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a volume and its data on every worker host (owner or admin).",
        discussion: """
            Refused while a queued or running job uses the volume.

            Examples:
              rnx volume remove data
              rnx volume remove alice/data    # admins
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "NAME (yours) or OWNER/NAME.") var name: String

    func run() async throws {
        try await global.remove(.volumeRemove, noun: "volume", name: name, output: output)
    }
}

/// `rnx volume share NAME --with USER [--read-only]`.
struct VolumeShare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Let another user's jobs mount a volume of yours (as --volume OWNER/NAME).",
        discussion: """
            Sharing again changes read-only to read-write or back.

            Examples:
              rnx volume share data --with bob --read-only
              rnx volume share data --with carol
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "NAME (yours) or OWNER/NAME (admins).") var name: String
    @Option(help: ArgumentHelp("The broker user to share with.", valueName: "user")) var with: String
    @Flag(help: "Their jobs may read the volume but not write it (EROFS).") var readOnly = false

    func run() async throws {
        var request = RPCRequest(method: .volumeShare, name: name)
        request.with = with
        request.readOnly = readOnly
        let response = try await global.query(request)
        if output.json { try output.printJSON(response.volumes ?? []); return }
        let owner = response.volumes?.first?.owner ?? "OWNER"
        let volume = response.volumes?.first?.name ?? name
        Terminal.out("shared \(owner)/\(volume) with \(with) \(readOnly ? "read-only" : "read-write"); their jobs mount it with --volume \(owner)/\(volume)")
    }
}

/// `rnx volume unshare NAME --with USER`.
struct VolumeUnshare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unshare",
        abstract: "Stop sharing a volume with a user (their queued jobs keep what they were given).",
        discussion: """
            Examples:
              rnx volume unshare data --with bob
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "NAME (yours) or OWNER/NAME (admins).") var name: String
    @Option(help: ArgumentHelp("The broker user to stop sharing with.", valueName: "user")) var with: String

    func run() async throws {
        var request = RPCRequest(method: .volumeUnshare, name: name)
        request.with = with
        let response = try await global.query(request)
        if output.json { try output.printJSON(response.volumes ?? []); return }
        Terminal.out("\(name) is no longer shared with \(with)")
    }
}
