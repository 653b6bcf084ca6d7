/// A volume as the dispatcher resolved it for one job (`JobMessage.volumes`): whose, which, how big,
/// and whether the job may write it. The worker mounts exactly this, at `/volumes/<name>`.
public struct JobVolume: Sendable, Equatable, Codable {
    /// The submitter who owns the volume (a broker user name).
    public var owner: String
    /// The volume's name under its owner; the job sees it at `/volumes/<name>`.
    public var name: String
    /// The volume's size: its file system is made this big on a worker's first use.
    public var size: ByteSize
    /// True when the volume is shared read-only with the job's submitter.
    public var readOnly: Bool
    /// Set when the volume is created; a worker whose copy has another id holds a removed volume's
    /// leftovers (it missed the removal) and starts the volume afresh.
    public var id: String

    public init(owner: String, name: String, size: ByteSize, readOnly: Bool, id: String) {
        self.owner = owner
        self.name = name
        self.size = size
        self.readOnly = readOnly
        self.id = id
    }

    enum CodingKeys: String, CodingKey { case owner, name, size, readOnly = "read_only", id }

    /// Hostile-input checks a worker repeats: everything here becomes a host path or a size.
    public func validate() throws(JobletError) {
        guard BrokerUserName.isValid(owner) else {
            throw JobletError(.invalidArgument, "volumes: owner \"\(owner.prefix(80))\" is not a broker user name (\(BrokerUserName.allowed))")
        }
        guard VolumeReference.isValidName(name) else {
            throw JobletError(.invalidArgument, "volumes: \"\(name.prefix(80))\" is not a volume name ([a-z0-9][a-z0-9._-]* up to 64 characters)")
        }
        guard JobVolume.sizeRange.contains(size.bytes) else {
            throw JobletError(
                .invalidArgument,
                "volumes: size \(size) of \(owner)/\(name) is out of range (\(ByteSize(bytes: JobVolume.sizeRange.lowerBound))–\(ByteSize(bytes: JobVolume.sizeRange.upperBound)))"
            )
        }
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw JobletError(.invalidArgument, "volumes: id of \(owner)/\(name) must be 1-64 lowercase hex digits")
        }
    }

    /// Sizes any volume may have: ext4 needs a few MiB; 16 TiB is the wire's ceiling, a dispatcher's
    /// `max_volume_size` is usually far lower.
    public static let sizeRange: ClosedRange<Int64> = (16 << 20)...(16 << 40)
}
