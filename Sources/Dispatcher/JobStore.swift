import Foundation
import GRDB
import JobletCore

/// The durable job store: one SQLite database (WAL) in the state directory holding jobs with their
/// history and results, the idempotency keys of submissions, and job logs, whose large chunks are in
/// files beside it (`logs/<job id>`, `LogFiles`). Survives restarts.
public final class JobStore: Sendable {
    let pool: DatabasePool
    /// Log chunks of `LogFiles.threshold` bytes and more.
    let logFiles: LogFiles
    /// The submission path's inserts and routed marks, committed in groups.
    let groupCommit: GroupCommit
    /// Copies the WAL back into the database beside the commits, not inside one.
    let checkpointer: WALCheckpointer
    /// Path of the database file.
    public let path: String

    /// Opens (creating when needed) `<directory>/jobs.sqlite`.
    public init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DispatcherError(.io, "cannot create state directory \(directory)", cause: "\(error)")
        }
        path = directory + "/jobs.sqlite"
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets NORMAL with WAL, where a commit reaches the disk only at the next checkpoint: a
            // power loss could then drop a submission whose request was already acked. FULL syncs the
            // WAL on every commit (the writer's connection is the one that commits).
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            // Synchronous: an initializer cannot await, and this runs once at startup before any handler.
            try JobStore.migrator.migrate(pool)
            groupCommit = GroupCommit(pool: pool)
            let checkpointer = try WALCheckpointer(path: path)
            pool.writeWithoutTransaction { checkpointer.install(on: $0) }
            self.checkpointer = checkpointer
        } catch {
            throw DispatcherError(.io, "cannot open the job store \(path)", cause: "\(error)")
        }
        logFiles = try LogFiles(directory: directory + "/logs")
        try removeOrphanLogFiles()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT,
                        state TEXT NOT NULL,
                        runtime TEXT,
                        runtime_id TEXT,
                        target TEXT,
                        queue TEXT,
                        command TEXT NOT NULL,
                        submitter TEXT NOT NULL,
                        submitted_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL,
                        worker_id TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        exit_code INTEGER,
                        reason TEXT,
                        result TEXT,
                        history TEXT NOT NULL,
                        request TEXT NOT NULL,
                        priority INTEGER NOT NULL DEFAULT 0,
                        routed INTEGER NOT NULL DEFAULT 0,
                        log_bytes INTEGER NOT NULL DEFAULT 0,
                        logs_truncated INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX jobs_state ON jobs(state);
                    CREATE INDEX jobs_submitted ON jobs(submitted_at);
                    CREATE INDEX jobs_submitter ON jobs(submitter, state);
                    CREATE TABLE submissions (
                        submitter TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        job_id TEXT NOT NULL,
                        PRIMARY KEY (submitter, message_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX submissions_job ON submissions(job_id);
                    CREATE TABLE logs (
                        job_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        stream TEXT NOT NULL,
                        data BLOB NOT NULL,
                        PRIMARY KEY (job_id, seq)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-log-senders") { db in
            // Chunks are kept per sending worker: only the job's holder's chunks are ever shown, so
            // nobody else's chunk can take the place of a real one (docs/SECURITY.md).
            try db.execute(
                sql: """
                    CREATE TABLE logs_by_worker (
                        job_id TEXT NOT NULL,
                        worker_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        stream TEXT NOT NULL,
                        data BLOB NOT NULL,
                        PRIMARY KEY (job_id, worker_id, seq)
                    ) WITHOUT ROWID;
                    INSERT INTO logs_by_worker (job_id, worker_id, seq, stream, data)
                        SELECT logs.job_id, COALESCE(jobs.worker_id, ''), logs.seq, logs.stream, logs.data
                        FROM logs LEFT JOIN jobs ON jobs.id = logs.job_id;
                    DROP TABLE logs;
                    ALTER TABLE logs_by_worker RENAME TO logs;
                    """)
        }
        migrator.registerMigration("v3-volumes") { db in try JobStore.createVolumeTables(db) }
        migrator.registerMigration("v4-networks") { db in try JobStore.createNetworkTables(db) }
        migrator.registerMigration("v5-runtimes") { db in try JobStore.createRuntimeTables(db) }
        migrator.registerMigration("v6-log-files") { db in
            // A chunk in a log file: its data here is empty, its bytes are the file's from the offset.
            try db.execute(
                sql: """
                    ALTER TABLE logs ADD COLUMN file_offset INTEGER;
                    ALTER TABLE logs ADD COLUMN file_length INTEGER;
                    """)
        }
        return migrator
    }

    // Async: GRDB runs the body on its own writer / reader queues and suspends the caller, so a store
    // call (up to the 10 s busy timeout) never holds one of the few cooperative threads.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch let error as DispatcherError { throw error } catch {
            throw DispatcherError(.io, "job store write failed", cause: "\(error)")
        }
    }

    /// A small write of the submission path, committed with the others waiting at that moment (`GroupCommit`).
    func groupWrite(_ body: @escaping @Sendable (Database) throws -> Bool) async throws -> Bool {
        do { return try await groupCommit.write(body) } catch let error as DispatcherError { throw error } catch {
            throw DispatcherError(.io, "job store write failed", cause: "\(error)")
        }
    }

    /// How many jobs are in each of `states` (an index range each on `jobs_state`). Blocking: for a
    /// thread of its own (the metrics server's), never the cooperative pool.
    func activeJobCounts(states: [JobState]) throws -> [JobState: Int] {
        let names = states.map(\.rawValue)
        let rows = try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS n FROM jobs WHERE state IN (\(names.map { _ in "?" }.joined(separator: ", "))) GROUP BY state",
                arguments: StatementArguments(names))
        }
        var counts: [JobState: Int] = [:]
        for row in rows {
            if let state = JobState(rawValue: row["state"]) { counts[state] = row["n"] }
        }
        return counts
    }

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch let error as DispatcherError { throw error } catch {
            throw DispatcherError(.io, "job store read failed", cause: "\(error)")
        }
    }
}

/// A job as the submission path creates it.
public struct NewJob: Sendable {
    public var message: JobMessage
    public var target: String?
    public var queue: String?
    public var messageID: String?

    public init(message: JobMessage, target: String?, queue: String?, messageID: String?) {
        self.message = message
        self.target = target
        self.queue = queue
        self.messageID = messageID
    }
}

/// What the store knows about one submission's idempotency key.
public struct StoredSubmission: Sendable, Equatable {
    public var jobID: String
    public var routed: Bool
    public var target: String?
    public var queue: String?
}

/// A queued job and where it waits, for the unschedulable sweep.
public struct QueuedJob: Sendable, Equatable {
    public var jobID: String
    public var target: String
    public var submittedAt: Double
    /// Leads the job's event and log routing keys.
    public var submitter: String
}

/// `list` filters.
public struct JobFilter: Sendable {
    public var state: JobState?
    public var runtime: String?
    public var worker: String?
    public var submitter: String?
    public var since: Double?
    public var limit: Int
    public var offset: Int

    public init(
        state: JobState? = nil, runtime: String? = nil, worker: String? = nil, submitter: String? = nil,
        since: Double? = nil, limit: Int = 100, offset: Int = 0
    ) {
        self.state = state
        self.runtime = runtime
        self.worker = worker
        self.submitter = submitter
        self.since = since
        self.limit = limit
        self.offset = offset
    }
}
