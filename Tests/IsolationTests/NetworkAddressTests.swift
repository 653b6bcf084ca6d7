import Isolation
import Testing

/// The address plan of job networks: strict parsing (these strings come from worker.yml and become
/// nftables elements and `ip` arguments) and subnet arithmetic.
@Suite struct NetworkAddressTests {
    @Test(arguments: ["10.89.0.0/16", "198.18.0.2", "0.0.0.0/0", "255.255.255.255/32"])
    func validNetworksParse(text: String) throws {
        let subnet = try #require(IPv4Subnet(text))
        #expect(subnet.description == (text.contains("/") ? text : text + "/32"))
    }

    @Test(arguments: [
        "10.89.0.1/16", "10.89.0/16", "10.089.0.0/16", "1.2.3.4/33", "1.2.3.4/", "256.0.0.0/8",
        " 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0.0/8; flush ruleset", "a.b.c.d", "", "1.2.3.4/-1",
    ])
    func malformedNetworksAreRefused(text: String) {
        #expect(IPv4Subnet(text) == nil)
    }

    @Test func subnetsAndHostsOfAPool() throws {
        let pool = try #require(IPv4Subnet("10.99.0.0/16"))
        #expect(pool.subnetCount(prefix: 24) == 256)
        let second = try #require(pool.subnet(1, prefix: 24))
        #expect(second.description == "10.99.1.0/24")
        #expect(second.host(1)?.description == "10.99.1.1")
        #expect(second.host(254)?.description == "10.99.1.254")
        #expect(second.host(255) == nil)  // the broadcast address
        #expect(second.host(0) == nil)
        #expect(pool.subnet(256, prefix: 24) == nil)
        #expect(second.hostCount == 254)
        #expect(pool.contains(try #require(IPv4Address("10.99.200.7"))))
        #expect(!pool.contains(try #require(IPv4Address("10.98.0.1"))))
    }

    @Test func thePolicyDeniesPrivateAndMetadataRangesByDefault() throws {
        let policy = NetworkPolicy()
        for address in ["10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "127.0.0.1"] {
            let ip = try #require(IPv4Address(address))
            #expect(policy.denied.contains { $0.contains(ip) }, "\(address)")
        }
        #expect(!policy.denied.contains { $0.contains(IPv4Address(0x0101_0101)) })  // 1.1.1.1
        // A pool holding the broker is refused: its jobs would sit next to it.
        let clash = NetworkPolicy(brokers: [IPv4Endpoint(address: try #require(IPv4Address("10.89.3.4")), port: 5672)])
        #expect(throws: SandboxError.self) { try clash.validate() }
        #expect(throws: SandboxError.self) { try NetworkPolicy(subnetPrefix: 16).validate() }
        #expect(throws: Never.self) { try NetworkPolicy().validate() }
    }
}
