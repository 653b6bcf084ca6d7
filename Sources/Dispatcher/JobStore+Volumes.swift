import GRDB
import JobletCore

/// A stored volume: `(owner, name)` is the key; `id` changes when a volume is removed and made again.
public struct StoredVolume: Sendable, Equatable {
    public var owner: String
    public var name: String
    public var size: ByteSize
    public var createdAt: Double
    public var id: String
    public var shares: [VolumeShare]
}

extension JobStore {
    /// Volumes, who they are shared with, and which jobs use which (for "in use" and re-routing).
    static func createVolumeTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE volumes (
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    id TEXT NOT NULL,
                    PRIMARY KEY (owner, name)
                ) WITHOUT ROWID;
                CREATE TABLE volume_shares (
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    user TEXT NOT NULL,
                    read_only INTEGER NOT NULL,
                    PRIMARY KEY (owner, name, user),
                    FOREIGN KEY (owner, name) REFERENCES volumes(owner, name) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX volume_shares_user ON volume_shares(user);
                CREATE TABLE job_volumes (
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    read_only INTEGER NOT NULL,
                    PRIMARY KEY (job_id, position),
                    FOREIGN KEY (owner, name) REFERENCES volumes(owner, name) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX job_volumes_volume ON job_volumes(owner, name);
                """)
    }

    /// What `createVolume` did.
    public enum VolumeCreation: Sendable, Equatable {
        case created
        case exists
        /// The owner's volumes would pass `quota`: `used` bytes are taken already.
        case overQuota(used: Int64)
    }

    /// Makes the volume unless it exists or the owner's volumes would then total more than `quota`
    /// bytes; the check and the insert are one transaction, so concurrent creations cannot both pass.
    public func createVolume(owner: String, name: String, size: ByteSize, createdAt: Double, quota: ByteSize) async throws
        -> VolumeCreation
    {
        try await write { db in
            if try JobStore.volume(db, owner: owner, name: name) != nil { return .exists }
            let used = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM volumes WHERE owner = ?", arguments: [owner]) ?? 0
            // As a difference: a sum near an absurd configured quota (up to Int64.max) must not overflow.
            guard size.bytes <= quota.bytes - used else { return .overQuota(used: used) }
            try db.execute(
                sql: "INSERT INTO volumes (owner, name, size, created_at, id) VALUES (?, ?, ?, ?, ?)",
                arguments: [owner, name, size.bytes, createdAt, JobID.generate()])
            return .created
        }
    }

    public func volume(owner: String, name: String) async throws -> StoredVolume? {
        try await read { db in try JobStore.volume(db, owner: owner, name: name) }
    }

    /// Volumes owned by `user` or shared with them; every volume when `user` is nil.
    public func volumes(visibleTo user: String?) async throws -> [StoredVolume] {
        try await read { db in
            let rows: [Row]
            if let user {
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM volumes WHERE owner = ?
                           OR (owner, name) IN (SELECT owner, name FROM volume_shares WHERE user = ?)
                        ORDER BY owner, name
                        """, arguments: [user, user])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM volumes ORDER BY owner, name")
            }
            return try rows.map { try JobStore.volume(db, row: $0) }
        }
    }

    /// Removes a volume, its shares and its jobs' references, unless a job that is not over uses it:
    /// then that job's id is returned and nothing changes. Nil when removed.
    public func removeVolume(owner: String, name: String) async throws -> String? {
        try await write { db in
            if let jobID = try String.fetchOne(
                db,
                sql: """
                    SELECT j.id FROM job_volumes v JOIN jobs j ON j.id = v.job_id
                    WHERE v.owner = ? AND v.name = ? AND j.state IN ('queued', 'running', 'unschedulable') LIMIT 1
                    """, arguments: [owner, name])
            {
                return jobID
            }
            try db.execute(sql: "DELETE FROM volumes WHERE owner = ? AND name = ?", arguments: [owner, name])
            return nil
        }
    }

    /// Shares a volume with `user` (or changes how); nil `readOnly` removes the share. False when
    /// there was no such share to remove.
    public func setShare(owner: String, name: String, user: String, readOnly: Bool?) async throws -> Bool {
        try await write { db in
            if let readOnly {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO volume_shares (owner, name, user, read_only) VALUES (?, ?, ?, ?)",
                    arguments: [owner, name, user, readOnly])
            } else {
                try db.execute(
                    sql: "DELETE FROM volume_shares WHERE owner = ? AND name = ? AND user = ?",
                    arguments: [owner, name, user])
            }
            return db.changesCount > 0
        }
    }

    /// Records which volumes a new job mounts (inside its insert). A volume removed meanwhile fails
    /// the insert (foreign key), so no job is routed with a volume that no longer exists.
    static func insertJobVolumes(_ db: Database, jobID: String, volumes: [JobVolume]) throws {
        for (position, volume) in volumes.enumerated() {
            do {
                try db.execute(
                    cached: "INSERT INTO job_volumes (job_id, position, owner, name, read_only) VALUES (?, ?, ?, ?, ?)",
                    arguments: [jobID, position, volume.owner, volume.name, volume.readOnly])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw DispatcherError.notFound("volume \(volume.owner)/\(volume.name) was removed while the job was submitted")
            }
        }
    }

    /// The resolved volumes of a stored job, in the request's order; nil when it has none.
    static func jobVolumes(_ db: Database, jobID: String) throws -> [JobVolume]? {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT v.owner, v.name, v.size, v.id, jv.read_only FROM job_volumes jv
                JOIN volumes v ON v.owner = jv.owner AND v.name = jv.name
                WHERE jv.job_id = ? ORDER BY jv.position
                """, arguments: [jobID])
        guard !rows.isEmpty else { return nil }
        return rows.map {
            JobVolume(
                owner: $0["owner"], name: $0["name"], size: ByteSize(bytes: $0["size"]),
                readOnly: ($0["read_only"] as Int64) != 0, id: $0["id"])
        }
    }

    private static func volume(_ db: Database, owner: String, name: String) throws -> StoredVolume? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM volumes WHERE owner = ? AND name = ?",
                arguments: [owner, name])
        else { return nil }
        return try volume(db, row: row)
    }

    private static func volume(_ db: Database, row: Row) throws -> StoredVolume {
        let owner: String = row["owner"]
        let name: String = row["name"]
        let shares = try Row.fetchAll(
            db, sql: "SELECT user, read_only FROM volume_shares WHERE owner = ? AND name = ? ORDER BY user",
            arguments: [owner, name]
        ).map {
            VolumeShare(user: $0["user"], readOnly: ($0["read_only"] as Int64) != 0)
        }
        return StoredVolume(
            owner: owner, name: name, size: ByteSize(bytes: row["size"]), createdAt: row["created_at"],
            id: row["id"], shares: shares)
    }
}
