/// Who a message's broker-checked `user_id` belongs to (docs/SECURITY.md). RabbitMQ refuses a
/// publish whose `user_id` differs from the connection's user, so the role derived from it can be
/// trusted as far as the broker users are kept apart.
public enum SenderRole: String, Sendable, Equatable {
    case dispatcher
    case worker
    case submitter
    /// No `user_id` at all: never trusted with anything.
    case anonymous
}

/// How the cluster's roles map onto broker user names.
public struct TrustPolicy: Sendable, Equatable {
    /// Users whose job messages workers run and whose control commands they obey.
    public var dispatcherUsers: Set<String>
    /// Worker users are named with this prefix; a worker's id is its user name.
    public var workerUserPrefix: String

    public static let defaultDispatcherUser = "joblet-dispatcher"
    public static let defaultWorkerUserPrefix = "joblet-worker-"

    public init(dispatcherUsers: Set<String> = [defaultDispatcherUser], workerUserPrefix: String = defaultWorkerUserPrefix) {
        self.dispatcherUsers = dispatcherUsers
        self.workerUserPrefix = workerUserPrefix
    }

    /// The role of a message published with `userID`.
    public func role(of userID: String?) -> SenderRole {
        guard let userID, !userID.isEmpty else { return .anonymous }
        if dispatcherUsers.contains(userID) { return .dispatcher }
        if userID.hasPrefix(workerUserPrefix), userID.count > workerUserPrefix.count { return .worker }
        return .submitter
    }
}
