#if canImport(Glibc)
    import Glibc
#endif
import JobletCore

/// `job.uid_range` against this host's users: a job must never run as somebody's uid or gid, nor
/// as an id of somebody's rootless containers (/etc/subuid, /etc/subgid), or it would own their files.
enum JobUIDHostCheck {
    /// Throws a config error naming the first clash. Start-up only: it asks NSS once per id.
    static func check(_ range: JobUIDRange, subuid: String = "/etc/subuid", subgid: String = "/etc/subgid") throws {
        for id in range.first...range.last {
            if let name = userName(uid: id) {
                throw WorkerError(
                    .invalidConfig,
                    "job.uid_range: \(range) contains uid \(id), which is user \(name) on this host; give a range no user or group has (default \(JobUIDRange.default))"
                )
            }
            if let name = groupName(gid: id) {
                throw WorkerError(
                    .invalidConfig,
                    "job.uid_range: \(range) contains gid \(id), which is group \(name) on this host (a job's gid is its uid); give a range no user or group has"
                )
            }
        }
        for (path, kind) in [(subuid, "uids"), (subgid, "gids")] {
            for entry in subordinateRanges(path) where range.overlaps(entry.ids) {
                throw WorkerError(
                    .invalidConfig,
                    "job.uid_range: \(range) overlaps \(entry.owner)'s subordinate \(kind) \(entry.ids.lowerBound)-\(entry.ids.upperBound) in \(path) (ids of their containers); give a range outside every subordinate range"
                )
            }
        }
    }

    private static func userName(uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return nil }
        return String(cString: name)
    }

    private static func groupName(gid: UInt32) -> String? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.gr_name else { return nil }
        return String(cString: name)
    }

    /// `owner:first:count` lines of /etc/subuid or /etc/subgid; a missing file has none.
    static func subordinateRanges(_ path: String) -> [(owner: String, ids: ClosedRange<UInt32>)] {
        guard let text = try? FileText.read(path) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, let first = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0 else { return nil }
            let last = first.addingReportingOverflow(count - 1)
            return (String(fields[0]), first...(last.overflow ? UInt32.max : last.partialValue))
        }
    }
}
