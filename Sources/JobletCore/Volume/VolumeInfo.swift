/// A volume as `volume_list` shows it to a caller.
public struct VolumeInfo: Sendable, Equatable, Codable {
    public var owner: String
    public var name: String
    public var size: ByteSize
    /// Seconds since the Unix epoch.
    public var createdAt: Double
    /// What the caller may do with it: `owner` (everything), `read_write` or `read_only` (shared with
    /// the caller), `admin` (an admin looking at somebody else's).
    public var access: String
    /// Who it is shared with; shown to its owner and admins only.
    public var shares: [VolumeShare]?

    public init(owner: String, name: String, size: ByteSize, createdAt: Double, access: String, shares: [VolumeShare]? = nil) {
        self.owner = owner
        self.name = name
        self.size = size
        self.createdAt = createdAt
        self.access = access
        self.shares = shares
    }

    enum CodingKeys: String, CodingKey { case owner, name, size, createdAt = "created_at", access, shares }
}

/// One grant: `user` may mount the volume, read-only or read-write.
public struct VolumeShare: Sendable, Equatable, Codable {
    public var user: String
    public var readOnly: Bool

    public init(user: String, readOnly: Bool) {
        self.user = user
        self.readOnly = readOnly
    }

    enum CodingKeys: String, CodingKey { case user, readOnly = "read_only" }
}
