import Foundation
import TestSupport

/// The broker users this test process plays with, per broker: the dispatcher (what BrokerProbe logs
/// in as and what every test worker trusts), a second dispatcher-role user no worker trusts, a
/// submitter, and a pool of worker users (one per worker process: a worker's id is its user).
/// Users are made in batches (a provisioning costs about 2 s whatever the count); names contain the
/// pid, because users are broker-wide and an import resets an existing user's password.
actor TestUsers {
    static let shared = TestUsers()

    struct Fixed {
        /// What BrokerProbe logs in as; passed to the workers as `--dispatcher-user`.
        let dispatcher: BrokerRoles.User
        /// Dispatcher permissions on the broker, but in no worker's dispatcher list.
        let otherDispatcher: BrokerRoles.User
        /// A submitter (rnx user).
        let submitter: BrokerRoles.User
    }

    private var fixed: [String: Fixed] = [:]
    private var pools: [String: [BrokerRoles.User]] = [:]
    private var made = 0
    private static let batch = 12
    private static let tag = "wt\(getpid())"

    /// The fixed users of the broker at `url` (guest URL: provisioning goes through rabbitmqctl).
    func fixed(url: String) throws -> Fixed {
        if let known = fixed[url] { return known }
        try provision(url: url, withFixed: true)
        guard let made = fixed[url] else { throw ClusterError("no fixed users were provisioned at \(url)") }
        return made
    }

    /// A worker user nobody used before in this process.
    func worker(url: String) throws -> BrokerRoles.User {
        if fixed[url] == nil { try provision(url: url, withFixed: true) }
        if pools[url, default: []].isEmpty { try provision(url: url, withFixed: false) }
        guard let user = pools[url]?.first else { throw ClusterError("no worker user was provisioned at \(url)") }
        pools[url]?.removeFirst()
        return user
    }

    private func provision(url: String, withFixed: Bool) throws {
        var wanted: [(role: String, name: String)] = []
        if withFixed {
            wanted += [
                ("dispatcher", "joblet-dispatcher-\(Self.tag)"), ("dispatcher", "joblet-dispatcher-\(Self.tag)-other"),
                ("submitter", "alice-\(Self.tag)"),
            ]
        }
        for _ in 0..<Self.batch {
            made += 1
            wanted.append(("worker", "joblet-worker-\(Self.tag)-\(made)"))
        }
        var users = try BrokerRoles.provision(wanted, brokerURL: url)
        if withFixed {
            fixed[url] = Fixed(dispatcher: users[0], otherDispatcher: users[1], submitter: users[2])
            users.removeFirst(3)
        }
        pools[url, default: []] += users
    }
}
