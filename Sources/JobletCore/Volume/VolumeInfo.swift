/// A volume as `volume_list` shows it to a caller.
public struct VolumeInfo: Sendable, Equatable, Codable {
    /// The submitter who created it (a broker user name).
    public var owner: String
    /// `[a-z0-9][a-z0-9._-]*`, at most 64 characters, unique per owner; jobs mount it at `/volumes/<name>`.
    public var name: String
    /// Fixed at creation (bytes on the wire); each worker host's copy is a file system this big.
    public var size: ByteSize
    /// Seconds since the Unix epoch.
    public var createdAt: Double
    /// What the caller may do with it: `owner` (everything), `read_write` or `read_only` (shared with
    /// the caller), `admin` (an admin looking at somebody else's), `reader` (a reader, to look only).
    public var access: String
    /// Who it is shared with; shown to its owner, readers and admins only (nil for anybody else).
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
    /// The broker user it is shared with.
    public var user: String
    /// True when that user's jobs mount it read-only.
    public var readOnly: Bool

    public init(user: String, readOnly: Bool) {
        self.user = user
        self.readOnly = readOnly
    }

    enum CodingKeys: String, CodingKey { case user, readOnly = "read_only" }
}
