import Foundation
import GRDB
import JobletCore

extension JobStore {
    /// The job a submission key already created, if any.
    public func submission(submitter: String, messageID: String) async throws -> StoredSubmission? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT j.id, j.routed, j.target, j.queue FROM submissions s JOIN jobs j ON j.id = s.job_id
                        WHERE s.submitter = ? AND s.message_id = ?
                        """, arguments: [submitter, messageID])
            else { return nil }
            return StoredSubmission(
                jobID: row["id"], routed: (row["routed"] as Int) != 0,
                target: row["target"], queue: row["queue"])
        }
    }

    /// Stores a new job in state `queued` (not yet routed) together with its submission key, atomically.
    /// Returns false, storing nothing, when the submission key is taken already.
    @discardableResult
    public func insert(_ job: NewJob) async throws -> Bool {
        let message = job.message
        let history = [StateChange(state: .queued, time: message.submittedAt)]
        let request = try JobStore.text(message.request)
        let command = try JobStore.text(message.request.command)
        let historyText = try JobStore.text(history)
        return try await groupWrite { db in
            if let messageID = job.messageID {
                try db.execute(
                    cached: "INSERT OR IGNORE INTO submissions (submitter, message_id, job_id) VALUES (?, ?, ?)",
                    arguments: [message.submitter, messageID, message.jobID])
                guard db.changesCount > 0 else { return false }
            }
            try db.execute(
                cached: """
                    INSERT INTO jobs (id, name, state, runtime, runtime_id, target, queue, command, submitter,
                                      submitted_at, history, request, priority)
                    VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    message.jobID, message.request.name, message.request.runtime, message.runtimeID,
                    job.target, job.queue, command, message.submitter, message.submittedAt,
                    historyText, request, message.request.priority ?? 0,
                ])
            try JobStore.insertJobVolumes(db, jobID: message.jobID, volumes: message.volumes ?? [])
            return true
        }
    }

    /// Records that the job's message was confirmed by the broker.
    public func markRouted(jobID: String) async throws {
        _ = try await groupWrite(JobStore.routedMark(jobID))
    }

    /// `markRouted` without waiting for its commit; `done` hears when it is committed (nil) or failed
    /// (on the store's writer queue). A mark lost to a crash only means the job is routed again at the
    /// next start.
    public func markRoutedSoon(jobID: String, done: @escaping @Sendable ((any Error)?) -> Void) {
        groupCommit.enqueue(JobStore.routedMark(jobID)) { result in
            if case .failure(let error) = result { done(error) } else { done(nil) }
        }
    }

    /// Returns once every write enqueued before it is committed (at shutdown: the marks of `markRoutedSoon`).
    public func settleWrites() async {
        _ = try? await groupCommit.write { _ in true }
    }

    private static func routedMark(_ jobID: String) -> @Sendable (Database) throws -> Bool {
        { db in
            try db.execute(cached: "UPDATE jobs SET routed = 1 WHERE id = ?", arguments: [jobID])
            return true
        }
    }

    /// The stored request of a job (to route it again after a crash between store and publish).
    public func message(jobID: String, maxAttempts: Int) async throws -> JobMessage? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT request, runtime_id, submitter, submitted_at FROM jobs WHERE id = ?",
                    arguments: [jobID])
            else { return nil }
            let requestText: String = row["request"]
            let request = try JSONCodec.decode(JobRequest.self, from: Array(requestText.utf8))
            var message = JobMessage(
                jobID: jobID, runtimeID: row["runtime_id"], request: request, submitter: row["submitter"],
                submittedAt: row["submitted_at"], maxAttempts: maxAttempts)
            message.volumes = try JobStore.jobVolumes(db, jobID: jobID)
            return message
        }
    }

    /// The full id of a job from its id or a unique prefix.
    /// With `submitter`, only that submitter's jobs are considered (others' do not exist for it).
    public func resolve(_ idOrPrefix: String, submitter: String? = nil) async throws -> String {
        let prefix = idOrPrefix.lowercased()
        guard JobID.isPlausiblePrefix(prefix) else {
            throw DispatcherError.invalidRequest("job_id: \"\(idOrPrefix)\" is not a job id; give the id or a unique prefix of it (hex)")
        }
        let matches = try await read { db in
            if let submitter {
                return try String.fetchAll(
                    db, sql: "SELECT id FROM jobs WHERE id >= ? AND id < ? AND submitter = ? ORDER BY id LIMIT 11",
                    arguments: [prefix, prefix + "g", submitter])
            }
            return try String.fetchAll(
                db, sql: "SELECT id FROM jobs WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
                arguments: [prefix, prefix + "g"])
        }
        switch matches.count {
        case 0: throw DispatcherError.notFound("no job \(idOrPrefix)")
        case 1: return matches[0]
        default:
            let shown = matches.prefix(10).joined(separator: ", ") + (matches.count > 10 ? ", …" : "")
            throw DispatcherError(.ambiguousID, "job id prefix \(idOrPrefix) is ambiguous: it matches \(shown); give more characters")
        }
    }

    /// One job's record, or nil.
    public func record(jobID: String) async throws -> JobRecord? {
        try await read { db in
            try Row.fetchOne(db, cached: "SELECT * FROM jobs WHERE id = ?", arguments: [jobID]).map(JobStore.record(from:))
        }
    }

    /// Whether the job exists and which worker holds its current attempt (nil: none yet), read without
    /// decoding the record.
    public func holder(jobID: String) async throws -> JobHolder {
        try await read { db in
            guard let row = try Row.fetchOne(db, cached: "SELECT worker_id FROM jobs WHERE id = ?", arguments: [jobID]) else {
                return JobHolder(exists: false, workerID: nil)
            }
            return JobHolder(exists: true, workerID: row["worker_id"])
        }
    }

    /// Jobs matching `filter`, newest first.
    public func list(_ filter: JobFilter) async throws -> [JobRecord] {
        var clauses: [String] = []
        var arguments = StatementArguments()
        if let state = filter.state { clauses.append("state = ?"); arguments += [state.rawValue] }
        if let runtime = filter.runtime {
            clauses.append("(runtime = ? OR runtime_id = ?)")
            arguments += [runtime, runtime]
        }
        if let worker = filter.worker { clauses.append("worker_id = ?"); arguments += [worker] }
        if let submitter = filter.submitter { clauses.append("submitter = ?"); arguments += [submitter] }
        if let since = filter.since { clauses.append("submitted_at >= ?"); arguments += [since] }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments += [max(0, filter.limit), max(0, filter.offset)]
        let sql = "SELECT * FROM jobs \(whereClause) ORDER BY submitted_at DESC, id LIMIT ? OFFSET ?"
        return try await read { [arguments] db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(JobStore.record(from:)) }
    }

    /// Number of jobs in the store.
    public func count(state: JobState? = nil) async throws -> Int {
        try await read { db in
            if let state {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE state = ?", arguments: [state.rawValue]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs") ?? 0
        }
    }

    /// Queued and running jobs of a submitter (for the quota).
    public func activeCount(submitter: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db, cached: "SELECT COUNT(*) FROM jobs WHERE submitter = ? AND state IN ('queued', 'running')",
                arguments: [submitter]) ?? 0
        }
    }

    /// Jobs stored but never confirmed routed (a dispatcher stopped between storing and the broker's
    /// confirm, or before recording it), oldest first.
    public func unroutedJobs() async throws -> [QueuedJob] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, target, submitted_at, submitter FROM jobs WHERE state = 'queued' AND routed = 0 AND target IS NOT NULL ORDER BY submitted_at"
            )
            .map { QueuedJob(jobID: $0["id"], target: $0["target"], submittedAt: $0["submitted_at"], submitter: $0["submitter"]) }
        }
    }

    /// Routed jobs still waiting in a queue.
    public func queuedJobs() async throws -> [QueuedJob] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, target, submitted_at, submitter FROM jobs WHERE state = 'queued' AND routed = 1 AND target IS NOT NULL")
                .map { QueuedJob(jobID: $0["id"], target: $0["target"], submittedAt: $0["submitted_at"], submitter: $0["submitter"]) }
        }
    }

    /// Applies a worker's lifecycle event. Returns false when it changed nothing (duplicate, stale,
    /// unknown job): events arrive at least once and a terminal state never changes again.
    @discardableResult
    public func apply(_ event: JobEvent) async throws -> Bool {
        try await write { db in
            guard let stored = try JobStore.storedState(db, jobID: event.jobID) else { return false }
            return try JobStore.apply(event, to: stored, in: db)
        }
    }

    /// What a state change reads of a job: read once per change, also by the batch apply's trust check.
    struct StoredState {
        /// Nil when the stored text is no state (changes nothing).
        var state: JobState?
        var history: String
        var workerID: String?
        var submitter: String
    }

    static func storedState(_ db: Database, jobID: String) throws -> StoredState? {
        guard
            let row = try Row.fetchOne(
                db, cached: "SELECT state, history, worker_id, submitter FROM jobs WHERE id = ?",
                arguments: [jobID])
        else { return nil }
        return StoredState(
            state: JobState(rawValue: row["state"]), history: row["history"], workerID: row["worker_id"], submitter: row["submitter"])
    }

    static func apply(_ event: JobEvent, to stored: StoredState, in db: Database) throws -> Bool {
        switch event.state {
        case .queued:
            return false
        case .running:
            return try transition(
                db, jobID: event.jobID, from: stored, to: .running, time: event.time,
                workerID: event.workerID, reason: event.reason, result: nil
            ) { current, history in
                // A duplicate of the same start (same worker and time) counts once.
                guard current == .queued || current == .running || current == .unschedulable else { return false }
                return !history().contains { $0.state == .running && $0.time == event.time && $0.workerID == event.workerID }
            }
        default:
            return try transition(
                db, jobID: event.jobID, from: stored, to: event.state, time: event.time,
                workerID: event.workerID ?? event.result?.workerID,
                reason: event.recordedReason, result: event.result
            ) { current, _ in
                !current.isTerminal || current == .unschedulable
            }
        }
    }

    /// Moves a job to a state the dispatcher decides (`lost`, `cancelled`, `unschedulable`) when
    /// `allowedFrom` contains its current state.
    @discardableResult
    public func mark(jobID: String, _ state: JobState, reason: String, time: Double, allowedFrom: Set<JobState>) async throws -> Bool {
        try await write { db in
            guard let stored = try JobStore.storedState(db, jobID: jobID) else { return false }
            return try JobStore.transition(
                db, jobID: jobID, from: stored, to: state, time: time, workerID: nil,
                reason: reason, result: nil
            ) { current, _ in
                allowedFrom.contains(current)
            }
        }
    }

    /// `allowed` gets the current state and a way to read the history (decoded only when asked: the
    /// history is appended to as text, not decoded and encoded again on every event).
    private static func transition(
        _ db: Database, jobID: String, from stored: StoredState, to state: JobState, time: Double,
        workerID: String?, reason: String?, result: JobResult?,
        allowed: (JobState, () -> [StateChange]) -> Bool
    ) throws -> Bool {
        guard let current = stored.state else { return false }
        let historyText = stored.history
        let history = { (try? JSONCodec.decode([StateChange].self, from: Array(historyText.utf8))) ?? [] }
        guard allowed(current, history) else { return false }
        let change = try JobStore.text(StateChange(state: state, time: time, workerID: workerID, reason: reason))
        let newHistory = JobStore.appending(change, toHistory: historyText)
        if state == .running {
            try db.execute(
                cached: """
                    UPDATE jobs SET state = 'running', started_at = ?, worker_id = ?, attempts = attempts + 1,
                        reason = NULL, finished_at = NULL, history = ? WHERE id = ?
                    """, arguments: [time, workerID, newHistory, jobID])
        } else {
            let resultText = try result.map { try JobStore.text($0) }
            try db.execute(
                cached: """
                    UPDATE jobs SET state = ?, finished_at = ?, worker_id = COALESCE(?, worker_id),
                        exit_code = COALESCE(?, exit_code), reason = ?, result = COALESCE(?, result),
                        started_at = COALESCE(started_at, ?), history = ? WHERE id = ?
                    """,
                arguments: [
                    state.rawValue, result?.finishedAt ?? time, workerID, result?.exitCode, reason,
                    resultText, result?.startedAt, newHistory, jobID,
                ])
        }
        return true
    }

    /// The history's JSON array text with one more element (text of a `StateChange`) at its end.
    static func appending(_ element: String, toHistory history: String) -> String {
        var trimmed = Substring(history)
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        guard trimmed.last == "]" else { return "[" + element + "]" }  // unreadable history: start anew
        let body = trimmed.dropLast()
        let isEmpty = body.drop(while: { $0.isWhitespace }) == "["
        return body + (isEmpty ? "" : ",") + element + "]"
    }

    /// Deletes the given terminal jobs with their logs and submission keys; returns how many went.
    @discardableResult
    public func delete(jobIDs: [String]) async throws -> Int {
        let deleted = try await write { db in
            var deleted: [String] = []
            for id in jobIDs {
                try db.execute(sql: "DELETE FROM logs WHERE job_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM submissions WHERE job_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
                if db.changesCount > 0 { deleted.append(id) }
            }
            return deleted
        }
        // After the commit: a crash before it leaves the files of jobs that still exist. One in between
        // leaves files of deleted jobs, which the next start removes.
        for id in deleted { logFiles.remove(jobID: id) }
        return deleted.count
    }

    /// Terminal jobs that finished before `time`, optionally only one submitter's.
    public func finishedJobs(before time: Double, submitter: String?) async throws -> [String] {
        let terminal = JobState.allCases.filter(\.isTerminal).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try await read { db in
            if let submitter {
                return try String.fetchAll(
                    db, sql: "SELECT id FROM jobs WHERE state IN (\(terminal)) AND COALESCE(finished_at, submitted_at) < ? AND submitter = ?",
                    arguments: [time, submitter])
            }
            return try String.fetchAll(
                db, sql: "SELECT id FROM jobs WHERE state IN (\(terminal)) AND COALESCE(finished_at, submitted_at) < ?",
                arguments: [time])
        }
    }

    static func record(from row: Row) throws -> JobRecord {
        let commandText: String = row["command"]
        let historyText: String = row["history"]
        let resultText: String? = row["result"]
        let stateText: String = row["state"]
        return JobRecord(
            jobID: row["id"], name: row["name"], state: JobState(rawValue: stateText) ?? .lost,
            runtime: row["runtime"], runtimeID: row["runtime_id"], queue: row["queue"],
            command: (try? JSONCodec.decode([String].self, from: Array(commandText.utf8))) ?? [],
            submitter: row["submitter"], submittedAt: row["submitted_at"], startedAt: row["started_at"],
            finishedAt: row["finished_at"], workerID: row["worker_id"], attempts: row["attempts"],
            exitCode: (row["exit_code"] as Int64?).map { Int32(truncatingIfNeeded: $0) }, reason: row["reason"],
            result: try resultText.map { try JSONCodec.decode(JobResult.self, from: Array($0.utf8)) },
            history: (try? JSONCodec.decode([StateChange].self, from: Array(historyText.utf8))) ?? [],
            logsTruncated: (row["logs_truncated"] as Int64?).flatMap { $0 != 0 ? true : nil })
    }

    static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCodec.encode(value), as: UTF8.self)
    }
}
