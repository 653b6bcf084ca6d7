/// How a job names a volume in `JobRequest.volumes`: `data` is the submitter's own volume, `alice/data`
/// alice's (mounted only when she shares it with the submitter).
public struct VolumeReference: Sendable, Hashable {
    /// The owner named explicitly; nil means the submitter.
    public var owner: String?
    public var name: String

    public init(owner: String?, name: String) {
        self.owner = owner
        self.name = name
    }

    /// Parses `NAME` or `OWNER/NAME`; nil when either part is not valid (owner: a broker user name,
    /// name: `[a-z0-9][a-z0-9._-]*` up to 64 characters).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            owner = nil
            name = parts[0]
        case 2:
            guard BrokerUserName.isValid(parts[0]) else { return nil }
            owner = parts[0]
            name = parts[1]
        default:
            return nil
        }
        guard VolumeReference.isValidName(name) else { return nil }
    }

    /// A volume name: one path component, safe as a file name on any worker host.
    public static func isValidName(_ name: String) -> Bool { JobRequest.isValidVolumeName(name) }

    /// The accepted forms, quoted in errors.
    public static let forms = "NAME or OWNER/NAME, NAME being [a-z0-9][a-z0-9._-]* up to 64 characters"
}
