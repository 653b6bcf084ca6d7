import Foundation

/// Broker users with Joblet's shipped role permissions (scripts/broker-roles), made on one of
/// scripts/broker's nodes for tests: everything a test starts logs in as the role it plays, never guest.
public enum BrokerRoles {
    /// One provisioned user.
    public struct User: Sendable {
        public let role: String
        public let name: String
        public let password: String
        /// The broker URL (same host, port and vhost) with this user's credentials, for in-process clients.
        public let url: String
        /// `name:password`, mode 0600: what `--credentials-file` of the Joblet binaries reads.
        public let credentialsFile: String
    }

    /// Creates `users` (role, name) on the node and vhost of `brokerURL` in one `import_definitions`
    /// (a rabbitmqctl call costs about a second; one import makes any number of users). Names must
    /// be new: importing resets an existing user's password.
    /// `certificateOnly`: users without a password, for EXTERNAL (client certificate) login only.
    public static func provision(
        _ users: [(role: String, name: String)], brokerURL: String,
        certificateOnly: Bool = false
    ) throws -> [User] {
        guard !users.isEmpty else { return [] }
        let node = try nodeName(brokerURL: brokerURL)
        let vhost = vhostOf(brokerURL)
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("joblet-roles-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        ExitCleanup.registerDirectory(scratch)
        let roleArgs = users.map { "\($0.role):\($0.name)" }
        let definitions = try BrokerScript.runBlocking(
            script: "broker-roles",
            ["definitions", "--vhost", vhost, "--secrets", scratch]
                + (certificateOnly ? ["--no-password"] : []) + roleArgs)
        let file = scratch + "/definitions.json"
        try definitions.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try ctl(node: node, ["import_definitions", file])
        // The import is asynchronous: wait until the broker lists every user's permissions (users
        // appear before their permissions, and a client that races ahead gets ACCESS_REFUSED).
        let topicUsers = Set(users.filter { $0.role != "dispatcher" }.map(\.name))
        for attempt in 0..<40 {
            // The user of each line (rabbitmqctl -q prints tab-separated rows, user first).
            func listedUsers(_ listing: String) throws -> [String] {
                try ctl(node: node, [listing, "-p", vhost, "-q"])
                    .split(separator: "\n").compactMap { $0.split(separator: "\t").first.map(String.init) }
            }
            let permitted = Set(try listedUsers("list_permissions"))
            // Every role but the dispatcher has three topic permissions (api or control, events, logs).
            let topicLines = try listedUsers("list_topic_permissions")
            let complete = topicUsers.allSatisfy { name in topicLines.filter { $0 == name }.count >= 3 }
            if Set(users.map(\.name)).isSubset(of: permitted), complete { break }
            if attempt == 39 { throw BrokerScript.Failure(description: "import_definitions did not give \(roleArgs) their permissions") }
            usleep(250_000)
        }
        if certificateOnly {
            return users.map { User(role: $0.role, name: $0.name, password: "", url: brokerURL, credentialsFile: "") }
        }
        return try users.map { user in
            let password = try String(contentsOfFile: "\(scratch)/\(user.name).password", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let credentials = "\(scratch)/\(user.name).credentials"
            if !FileManager.default.fileExists(atPath: credentials) {
                _ = FileManager.default.createFile(
                    atPath: credentials,
                    contents: Data("\(user.name):\(password)\n".utf8),
                    attributes: [.posixPermissions: 0o600])
            }
            return User(
                role: user.role, name: user.name, password: password,
                url: withCredentials(brokerURL, user: user.name, password: password), credentialsFile: credentials)
        }
    }

    /// Convenience for one user.
    public static func provision(role: String, name: String, brokerURL: String) throws -> User {
        guard let user = try provision([(role, name)], brokerURL: brokerURL).first else {
            throw BrokerScript.Failure(description: "no user made")
        }
        return user
    }

    /// Runs `rabbitmqctl ARGS` on the scripts/broker node listening on the URL's port; returns its output.
    public static func rabbitmqctl(_ arguments: [String], brokerURL: String) throws -> String {
        try ctl(node: try nodeName(brokerURL: brokerURL), arguments)
    }

    static func ctl(node: String, _ arguments: [String]) throws -> String {
        try BrokerScript.runBlocking(["ctl", "--name", node, "--"] + arguments)
    }

    /// `amqp://host:port/vhost` without user info (for binaries given --credentials-file).
    public static func withoutCredentials(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + String(url[url.index(after: at)...])
    }

    static func withCredentials(_ url: String, user: String, password: String) -> String {
        let bare = withoutCredentials(url)
        guard let scheme = bare.range(of: "://") else { return bare }
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        return String(bare[..<scheme.upperBound]) + "\(user):\(encoded)@" + String(bare[scheme.upperBound...])
    }

    /// The vhost of a URL: `/` when it has none (`amqp://h:p/` or `amqp://h:p`).
    public static func vhostOf(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let slash = url[scheme.upperBound...].firstIndex(of: "/") else { return "/" }
        let path = url[url.index(after: slash)...]
        return path.isEmpty ? "/" : (path.removingPercentEncoding ?? String(path))
    }

    /// The scripts/broker node (its --name) listening on the URL's port.
    public static func nodeName(brokerURL: String) throws -> String {
        guard let scheme = brokerURL.range(of: "://") else { throw BrokerScript.Failure(description: "odd URL") }
        let authority = brokerURL[scheme.upperBound...].split(separator: "/", maxSplits: 1).first ?? ""
        guard let portText = authority.split(separator: ":").last, let port = Int(portText) else {
            throw BrokerScript.Failure(description: "no port in the broker URL")
        }
        let base = ProcessInfo.processInfo.environment["JOBLET_BROKER_DIR"] ?? "/tmp"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        for entry in entries where entry.hasPrefix("joblet-broker-") {
            let dir = base + "/" + entry
            let text = (try? String(contentsOfFile: dir + "/port", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            // A TLS node's amqps port is its AMQP port + 13000.
            if let text, let nodePort = Int(text), nodePort == port || nodePort + 13000 == port {
                return String(entry.dropFirst("joblet-broker-".count))
            }
        }
        throw BrokerScript.Failure(description: "no scripts/broker node listens on port \(port)")
    }
}
