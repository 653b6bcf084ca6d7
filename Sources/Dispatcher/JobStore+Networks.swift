import GRDB
import JobletCore

extension JobStore {
    /// Named networks, `(owner, name)`. Which jobs use one is in their stored request (`$.network`).
    static func createNetworkTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE networks (
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (owner, name)
                ) WITHOUT ROWID;
                """)
    }

    /// What `createNetwork` did.
    public enum NetworkCreation: Sendable, Equatable {
        case created, exists
        /// The owner has `limit` networks already.
        case overLimit
    }

    /// Creates `owner`'s network unless one of that name exists or the owner has `limit` already
    /// (checked and inserted in one transaction, so concurrent creations cannot pass the limit).
    public func createNetwork(owner: String, name: String, createdAt: Double, limit: Int) async throws -> NetworkCreation {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM networks WHERE owner = ? AND name = ?", arguments: [owner, name]) != nil {
                return .exists
            }
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM networks WHERE owner = ?", arguments: [owner]) ?? 0
            guard count < limit else { return .overLimit }
            try db.execute(sql: "INSERT INTO networks (owner, name, created_at) VALUES (?, ?, ?)", arguments: [owner, name, createdAt])
            return .created
        }
    }

    public func network(owner: String, name: String) async throws -> NetworkInfo? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT owner, name, created_at FROM networks WHERE owner = ? AND name = ?",
                arguments: [owner, name]
            ).map { NetworkInfo(owner: $0["owner"], name: $0["name"], createdAt: $0["created_at"]) }
        }
    }

    /// `owner`'s networks, or everybody's (nil).
    public func networks(owner: String?) async throws -> [NetworkInfo] {
        try await read { db in
            let rows =
                try owner.map {
                    try Row.fetchAll(db, sql: "SELECT owner, name, created_at FROM networks WHERE owner = ? ORDER BY name", arguments: [$0])
                } ?? Row.fetchAll(db, sql: "SELECT owner, name, created_at FROM networks ORDER BY owner, name")
            return rows.map { NetworkInfo(owner: $0["owner"], name: $0["name"], createdAt: $0["created_at"]) }
        }
    }

    /// Removes the network unless a job of its owner that has not ended uses it: then that job's id.
    public func removeNetwork(owner: String, name: String) async throws -> String? {
        try await write { db in
            if let jobID = try String.fetchOne(
                db,
                sql: """
                    SELECT id FROM jobs WHERE submitter = ? AND state IN ('queued', 'running', 'unschedulable')
                    AND json_extract(request, '$.network') = ? LIMIT 1
                    """, arguments: [owner, name])
            {
                return jobID
            }
            try db.execute(sql: "DELETE FROM networks WHERE owner = ? AND name = ?", arguments: [owner, name])
            return nil
        }
    }
}
