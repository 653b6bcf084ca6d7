import GRDB
import JobletCore

/// One desired runtime of a worker group: to have `order`'s package, or (order nil) not to have
/// `runtime`. Groups: `all`, `arch:<arch>`, `worker:<id>`; for a worker, the entry with the
/// highest `seq` among its groups wins.
public struct DesiredRuntime: Sendable, Equatable {
    public var group: String
    public var runtime: String
    public var seq: Int64
    public var order: RuntimeDeployOrder?
}

extension JobStore {
    /// `runtime_desired`: the latest deploy or removal per (group, runtime). `runtime_streams`: deploy
    /// streams announced by `runtime_deploy`; committed ones are kept while a desired entry names them.
    static func createRuntimeTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE runtime_desired (
                    grp TEXT NOT NULL,
                    runtime TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    deploy_id TEXT,
                    order_json TEXT,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (grp, runtime)
                ) WITHOUT ROWID;
                CREATE TABLE runtime_streams (
                    deploy_id TEXT PRIMARY KEY NOT NULL,
                    announced_at REAL NOT NULL,
                    committed INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                """)
    }

    /// Remembers a deploy stream an admin is filling (deleted by `unusedDeployStreams` if never committed).
    public func announceDeployStream(_ deployID: String, at time: Double) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO runtime_streams (deploy_id, announced_at) VALUES (?, ?)",
                arguments: [deployID, time])
        }
    }

    /// Records `order` (a deploy) or a removal of `runtime` (order nil) as desired for `groups`. A
    /// record for `all` replaces every group's record of that runtime. False when a deploy's stream
    /// was never announced.
    public func setDesired(runtime: String, order: RuntimeDeployOrder?, groups: [String], at time: Double) async throws -> Bool {
        let json = try order.map { String(decoding: try JSONCodec.encode($0), as: UTF8.self) }
        return try await write { db in
            if let order {
                guard
                    try Int.fetchOne(
                        db, sql: "SELECT 1 FROM runtime_streams WHERE deploy_id = ?",
                        arguments: [order.deployID]) != nil
                else { return false }
                try db.execute(sql: "UPDATE runtime_streams SET committed = 1 WHERE deploy_id = ?", arguments: [order.deployID])
            }
            if groups.contains("all") {
                try db.execute(sql: "DELETE FROM runtime_desired WHERE runtime = ?", arguments: [runtime])
            }
            var seq = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM runtime_desired") ?? 0
            for group in groups {
                seq += 1
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO runtime_desired (grp, runtime, seq, deploy_id, order_json, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [group, runtime, seq, order?.deployID, json, time])
            }
            return true
        }
    }

    /// Every desired entry (a few per runtime and group: bounded by what admins deployed).
    public func desiredRuntimes() async throws -> [DesiredRuntime] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT grp, runtime, seq, order_json FROM runtime_desired").map { row in
                let json: String? = row["order_json"]
                let order = try json.map { try JSONCodec.decode(RuntimeDeployOrder.self, from: Array($0.utf8)) }
                return DesiredRuntime(group: row["grp"], runtime: row["runtime"], seq: row["seq"], order: order)
            }
        }
    }

    /// Deploy streams to delete: committed ones no desired entry names (superseded or removed), and
    /// ones never committed that were announced before `staleBefore` (an interrupted rnx).
    public func unusedDeployStreams(staleBefore: Double) async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT deploy_id FROM runtime_streams s
                    WHERE (committed = 1 AND NOT EXISTS (SELECT 1 FROM runtime_desired d WHERE d.deploy_id = s.deploy_id))
                       OR (committed = 0 AND announced_at < ?)
                    """, arguments: [staleBefore])
        }
    }

    public func forgetDeployStream(_ deployID: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM runtime_streams WHERE deploy_id = ?", arguments: [deployID])
        }
    }
}
