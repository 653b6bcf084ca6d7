/// `job.uid_range`: the uids jobs run as, one per running job (its gid is the same number), like
/// HTCondor's slot users or systemd's DynamicUser. Written `FIRST-LAST` (inclusive) or one uid.
public struct JobUIDRange: Sendable, Equatable, CustomStringConvertible {
    public let first: UInt32
    public let last: UInt32

    /// Above systemd's dynamic users (61184–65519), `nobody` (65534) and 16-bit -1 (65535), below
    /// the subordinate ids `useradd` hands out (/etc/login.defs SUB_UID_MIN 100000) and systemd's
    /// container ranges (524288+), and far above regular users (UID_MAX 60000): a number systemd
    /// documents as unused (https://systemd.io/UIDS-GIDS/). Checked against passwd, group, subuid
    /// and subgid at start.
    public static let `default` = JobUIDRange(unchecked: 70000, 70999)

    /// More uids than this would make the start-up checks slow and is never needed.
    public static let maxCount = 65536

    public var count: Int { Int(last - first) + 1 }
    public var description: String { first == last ? "\(first)" : "\(first)-\(last)" }

    public func contains(_ id: UInt32) -> Bool { first <= id && id <= last }
    public func overlaps(_ other: ClosedRange<UInt32>) -> Bool { first <= other.upperBound && other.lowerBound <= last }

    private init(unchecked first: UInt32, _ last: UInt32) {
        self.first = first
        self.last = last
    }

    /// Parses `70000-70999` or `70000`; the message says what is wrong and what to give.
    public init(parsing text: String) throws(WorkerError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            .map { String($0.filter { $0 != " " }) }
        guard (1...2).contains(parts.count), let first = UInt32(parts[0]), let last = UInt32(parts[parts.count - 1]) else {
            throw WorkerError(.invalidConfig, "job.uid_range: \"\(text)\" is not FIRST-LAST (e.g. \(Self.default))")
        }
        guard first <= last else {
            throw WorkerError(.invalidConfig, "job.uid_range: \(text) ends before it starts")
        }
        // Beyond 2^31-1 some tools treat uids as signed; 0, nobody and the (uid_t)-1 values are special.
        guard last <= UInt32(Int32.max) - 1 else {
            throw WorkerError(.invalidConfig, "job.uid_range: \(text) goes past 2147483646 (larger uids are -1 or negative to some tools)")
        }
        for special: UInt32 in [0, 65534, 65535] where first <= special && special <= last {
            let name = special == 0 ? "root" : special == 65534 ? "nobody" : "16-bit (uid_t) -1"
            throw WorkerError(.invalidConfig, "job.uid_range: \(text) contains \(special) (\(name)); give a range without it, e.g. \(Self.default)")
        }
        guard Int(last - first) + 1 <= Self.maxCount else {
            throw WorkerError(
                .invalidConfig, "job.uid_range: \(text) has \(Int(last - first) + 1) uids; give at most \(Self.maxCount) (one per slot is enough)")
        }
        self.init(unchecked: first, last)
    }
}

extension JobUIDRange: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = (try? container.decode(UInt32.self)).map(String.init) ?? (try? container.decode(String.self))
        do {
            self = try JobUIDRange(parsing: text ?? "")
        } catch {
            // Reported with the file, line and column of the value.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }
}
