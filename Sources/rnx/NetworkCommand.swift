import ArgumentParser
import JobletCore

/// `rnx network …`: the caller's named networks, on which jobs reach each other by name.
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Named networks: jobs of yours on one reach each other by name, and nothing else reaches them.",
        discussion: """
            A named network belongs to the broker user who creates it. A job joins it with --network NAME; \
            on it, each job is known as job-<id> and by its --name (when that is a valid host name). Jobs \
            meet on one worker host: a named network does not span hosts (docs/WORKER.md, Networking). \
            --network bridge gives a job the outside (through NAT) without a named network; none (the \
            default) gives it loopback only.

            Examples:
              rnx network create team
              rnx submit --network team --name api -- python3 -m http.server 8000
              rnx run --network team -- python3 -c 'import urllib.request as u; print(u.urlopen("http://api:8000").status)'
              rnx network list
              rnx network remove team
            """,
        subcommands: [NetworkCreate.self, NetworkList.self, NetworkRemove.self],
        defaultSubcommand: NetworkList.self)
}

/// `rnx network create NAME`.
struct NetworkCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a named network of yours.",
        discussion: """
            Jobs join it with --network NAME; on it they reach each other as job-<id8> and by --name.

            Examples:
              rnx network create team
              rnx submit --network team --name db -- python3 -m http.server 5432
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The network's name: [a-z0-9][a-z0-9._-]*, up to 32 characters, not none or bridge.") var name: String

    func run() async throws {
        let response = try await global.query(RPCRequest(method: .networkCreate, name: name))
        if output.json { try output.printJSON(response.networks ?? []); return }
        let network = response.networks?.first
        Terminal.out("created network \(network.map { "\($0.owner)/\($0.name)" } ?? name); jobs join it with --network \(network?.name ?? name)")
    }
}

/// `rnx network list`.
struct NetworkList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List your networks (admins and readers: all).",
        discussion: """
            Examples:
              rnx network list
              rnx network list --json | jq '.[].name'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let networks = try await global.query(RPCRequest(method: .networkList)).networks ?? []
        try output.printTable(
            networks, columns: ["OWNER", "NAME", "CREATED"],
            empty: "no networks: rnx network create NAME"
        ) { network in
            [network.owner, network.name, Format.ago(network.createdAt)]
        }
    }
}

/// `rnx network remove NAME`.
struct NetworkRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a network of yours (refused while a queued or running job uses it).",
        discussion: """
            Examples:
              rnx network remove team
              rnx network remove alice/team    # admins
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "NAME (yours) or OWNER/NAME (admins).") var name: String

    func run() async throws {
        try await global.remove(.networkRemove, noun: "network", name: name, output: output)
    }
}
