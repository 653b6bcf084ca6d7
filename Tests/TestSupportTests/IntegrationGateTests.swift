import Testing
import TestSupport

/// The decision behind `.integration(needs:)`: run, skip naming what is missing, or fail when the
/// run must cover everything (CI).
@Suite struct IntegrationGateTests {
    static let laptop = IntegrationEnvironment(
        isRoot: false, hasBrokerURL: false, hasBrokerServer: false,
        requiresIntegration: false)
    static let ciHost = IntegrationEnvironment(
        isRoot: true, hasBrokerURL: true, hasBrokerServer: true,
        requiresIntegration: true)

    @Test func everythingPresentRuns() {
        #expect(IntegrationGate.decision(needs: [.broker, .brokerNodes, .root], in: Self.ciHost) == .run)
        #expect(IntegrationGate.decision(needs: [], in: Self.laptop) == .run)
    }

    @Test func aLaptopSkipsNamingWhatIsMissingAndTheCommand() {
        let decision = IntegrationGate.decision(needs: [.root, .broker], in: Self.laptop)
        #expect(
            decision
                == .skip(
                    reason: "integration test: needs a RabbitMQ broker (set JOBLET_TEST_AMQP_URL, or install "
                        + "rabbitmq-server for scripts/broker) and root (namespaces, cgroups, mounts); run it with sudo scripts/test"))
    }

    @Test func onlyTheMissingRequirementIsNamed() {
        var rootOnly = Self.laptop
        rootOnly.isRoot = true
        guard case .skip(let reason) = IntegrationGate.decision(needs: [.root, .broker], in: rootOnly) else {
            Issue.record("root without a broker must skip a broker test")
            return
        }
        #expect(reason.contains("RabbitMQ broker") && !reason.contains("root (namespaces"))
    }

    @Test func aBrokerURLIsABrokerButStartsNoNodes() {
        var urlOnly = Self.laptop
        urlOnly.hasBrokerURL = true
        #expect(IntegrationGate.decision(needs: [.broker], in: urlOnly) == .run)
        guard case .skip(let reason) = IntegrationGate.decision(needs: [.brokerNodes], in: urlOnly) else {
            Issue.record("a URL alone cannot start private nodes")
            return
        }
        #expect(reason.contains("rabbitmq-server installed"))
    }

    @Test func missingBrokerNodesAreNamedWithoutTheBrokerTheyWouldProvide() {
        guard case .skip(let reason) = IntegrationGate.decision(needs: [.broker, .brokerNodes], in: Self.laptop) else {
            Issue.record("a laptop without rabbitmq-server must skip")
            return
        }
        #expect(reason.contains("rabbitmq-server installed") && !reason.contains("JOBLET_TEST_AMQP_URL"))
    }

    @Test func anInstalledServerIsEnoughForBoth() {
        var serverOnly = Self.laptop
        serverOnly.hasBrokerServer = true
        #expect(IntegrationGate.decision(needs: [.broker, .brokerNodes], in: serverOnly) == .run)
    }

    @Test func aRequiredRunFailsInsteadOfSkipping() {
        var ci = Self.laptop
        ci.requiresIntegration = true
        ci.isRoot = true
        guard case .fail(let reason) = IntegrationGate.decision(needs: [.root, .broker], in: ci) else {
            Issue.record("CI must not skip a test it cannot run")
            return
        }
        #expect(reason.contains("RabbitMQ broker") && reason.contains("JOBLET_REQUIRE_INTEGRATION=1"))
    }

    @Test(arguments: [
        (["CI": "true"], true), (["JOBLET_REQUIRE_INTEGRATION": "1"], true), (["CI": "false"], false),
        (["JOBLET_REQUIRE_INTEGRATION": "0"], false), ([:], false),
    ])
    func theEnvironmentSaysWhenSkippingIsForbidden(variables: [String: String], required: Bool) {
        #expect(IntegrationEnvironment.current(environment: variables).requiresIntegration == required)
    }

    @Test func theBrokerURLAndServerDirectoryComeFromTheEnvironment() {
        let withURL = IntegrationEnvironment.current(environment: [
            "JOBLET_TEST_AMQP_URL": "amqp://127.0.0.1:5672/",
            "RABBITMQ_BIN_DIR": "/nonexistent",
        ])
        #expect(withURL.hasBrokerURL && !withURL.hasBrokerServer)
        let empty = IntegrationEnvironment.current(environment: ["JOBLET_TEST_AMQP_URL": "", "RABBITMQ_BIN_DIR": "/nonexistent"])
        #expect(!empty.hasBrokerURL)
    }
}
