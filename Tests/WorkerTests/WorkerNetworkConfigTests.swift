import Isolation
import JobletCore
import Testing
import Worker

/// worker.yml `network`: off by default, addresses parsed strictly, the address plan checked at load.
struct WorkerNetworkConfigTests {
    @Test func networksAreOffByDefaultAndAdvertiseNoneOnly() throws {
        let config = try WorkerConfig.load(text: "slots: 2\n").config
        #expect(!config.network.enabled)
        #expect(config.network.modes == ["none"])
    }

    @Test func aNetworkSectionIsReadWithoutWarnings() throws {
        let loaded = try WorkerConfig.load(
            text: """
                network:
                  enabled: true
                  pool: 10.50.0.0/16
                  subnet_prefix: 26
                  dns: [192.0.2.53]
                  allow: [10.20.30.0/24, 10.1.1.1]
                  deny: [203.0.113.0/24]
                """)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let network = loaded.config.network
        #expect(network.enabled && network.modes == JobNetwork.modes)
        #expect(network.pool.description == "10.50.0.0/16" && network.subnetPrefix == 26)
        #expect(network.dns.map(\.description) == ["192.0.2.53"])
        #expect(network.allow.map(\.description) == ["10.20.30.0/24", "10.1.1.1/32"])
        #expect(network.deny.map(\.description) == ["203.0.113.0/24"])
    }

    @Test(arguments: [
        ("network:\n  pool: 10.50.0.1/16\n", "network.pool: \"10.50.0.1/16\" is not an IPv4 network"),
        ("network:\n  dns: [one.one.one.one]\n", "network.dns[0]: \"one.one.one.one\" is not an IPv4 address"),
        ("network:\n  allow: [10.0.0.0/8, \"10.0.0.0/8; flush ruleset\"]\n", "network.allow[1]:"),
        ("network:\n  subnet_prefix: 30\n", "network.subnet_prefix: 30 must be 16-28"),
        ("network:\n  pool: 10.50.0.0/24\n", "network.subnet_prefix: 24 must be 16-28 and longer than the pool's /24"),
    ])
    func aBadNetworkSectionNamesTheKey(yaml: String, message: String) {
        #expect {
            _ = try WorkerConfig.load(text: yaml)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
