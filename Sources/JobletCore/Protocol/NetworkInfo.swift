/// A named network as `network_list` / `network_create` answer it: one submitter's (the `owner`).
/// Its jobs on one worker host reach each other by name; nothing else reaches them.
public struct NetworkInfo: Sendable, Equatable, Codable {
    /// The submitter that created it (a broker user name).
    public var owner: String
    /// `[a-z0-9][a-z0-9._-]*`, at most 32 bytes, not `none` or `bridge`; what `JobRequest.network` names.
    public var name: String
    /// Seconds since the epoch.
    public var createdAt: Double

    public init(owner: String, name: String, createdAt: Double) {
        self.owner = owner
        self.name = name
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey { case owner, name, createdAt = "created_at" }
}
