#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// What an integration test needs from the host. Unit tests need none of these, so a plain
/// `swift test` on a laptop runs them; `sudo scripts/test` provides all of them.
public enum IntegrationRequirement: String, Sendable, CaseIterable {
    /// A RabbitMQ broker for `TestBroker.shared()`: `JOBLET_TEST_AMQP_URL`, or rabbitmq-server
    /// installed so scripts/broker can start a private node.
    case broker
    /// rabbitmq-server installed: the test starts, stops or clusters nodes of its own
    /// (`TestBroker.startPrivate`, scripts/broker cluster) or makes broker users with rabbitmqctl
    /// (`BrokerRoles`), which a broker URL alone cannot give.
    case brokerNodes
    /// Root: namespaces, cgroups, mounts, loop devices, real sandboxes, chown to other users.
    case root

    /// What to provide, as a person reads it in a skip or failure message.
    var missingText: String {
        switch self {
        case .broker: "a RabbitMQ broker (set JOBLET_TEST_AMQP_URL, or install rabbitmq-server for scripts/broker)"
        case .brokerNodes: "rabbitmq-server installed (the test starts broker nodes or makes broker users through scripts/broker)"
        case .root: "root (namespaces, cgroups, mounts)"
        }
    }
}

/// The facts about this host and run that decide whether integration tests run.
public struct IntegrationEnvironment: Sendable, Equatable {
    public var isRoot: Bool
    /// `JOBLET_TEST_AMQP_URL` is set (scripts/test starts one broker for the whole run).
    public var hasBrokerURL: Bool
    /// `$RABBITMQ_BIN_DIR/rabbitmq-server` (default /usr/lib/rabbitmq/bin) is executable: the same
    /// check scripts/broker makes before it starts a node.
    public var hasBrokerServer: Bool
    /// `CI=true` or `JOBLET_REQUIRE_INTEGRATION=1`: a missing requirement fails the test, so a run
    /// that was meant to cover everything cannot pass by skipping.
    public var requiresIntegration: Bool

    public init(isRoot: Bool, hasBrokerURL: Bool, hasBrokerServer: Bool, requiresIntegration: Bool) {
        self.isRoot = isRoot
        self.hasBrokerURL = hasBrokerURL
        self.hasBrokerServer = hasBrokerServer
        self.requiresIntegration = requiresIntegration
    }

    /// This process's environment.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> IntegrationEnvironment {
        let binDirectory = environment["RABBITMQ_BIN_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/lib/rabbitmq/bin"
        return IntegrationEnvironment(
            isRoot: geteuid() == 0,
            hasBrokerURL: !(environment["JOBLET_TEST_AMQP_URL"] ?? "").isEmpty,
            hasBrokerServer: access(binDirectory + "/rabbitmq-server", X_OK) == 0,
            requiresIntegration: environment["CI"] == "true" || environment["JOBLET_REQUIRE_INTEGRATION"] == "1")
    }

    func satisfies(_ requirement: IntegrationRequirement) -> Bool {
        switch requirement {
        case .broker: hasBrokerURL || hasBrokerServer
        case .brokerNodes: hasBrokerServer
        case .root: isRoot
        }
    }
}

/// Whether an integration test runs here, is skipped, or fails because it was required to run.
public enum IntegrationDecision: Sendable, Equatable {
    case run
    case skip(reason: String)
    case fail(reason: String)
}

public enum IntegrationGate {
    /// The command that provides every requirement (as root, with a private broker).
    public static let fullRunCommand = "sudo scripts/test"

    /// Pure: `needs` against `environment`. Missing requirements are named in the order of
    /// `IntegrationRequirement.allCases`, each once; a missing broker is not named beside missing
    /// broker nodes (installing rabbitmq-server provides both).
    public static func decision(needs: [IntegrationRequirement], in environment: IntegrationEnvironment) -> IntegrationDecision {
        var missing = IntegrationRequirement.allCases.filter { needs.contains($0) && !environment.satisfies($0) }
        if missing.contains(.brokerNodes) { missing.removeAll { $0 == .broker } }
        guard !missing.isEmpty else { return .run }
        let needed = missing.map(\.missingText).joined(separator: " and ")
        if environment.requiresIntegration {
            return .fail(
                reason: "integration test cannot run: needs \(needed); CI=true or JOBLET_REQUIRE_INTEGRATION=1 "
                    + "forbids skipping it (run \(fullRunCommand) as root)")
        }
        return .skip(reason: "integration test: needs \(needed); run it with \(fullRunCommand)")
    }
}
