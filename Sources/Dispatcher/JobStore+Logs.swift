import Foundation
import GRDB
import JobletCore

extension JobStore {
    /// Stores a log chunk of `worker` once (duplicates vanish: INSERT OR IGNORE on job+worker+seq).
    /// The first chunk past the per-job byte cap marks the job `logs_truncated` and nothing of it is
    /// stored from then on, so the stored log is a prefix (no gap a small later chunk could hide).
    /// Chunks of jobs the store does not know are dropped. Returns whether it was stored.
    @discardableResult
    public func append(_ chunk: LogChunk, worker: String, byteCap: Int64) async throws -> Bool {
        try await append([(chunk, worker)], byteCap: byteCap).first ?? false
    }

    /// Stores chunks in one transaction (a batch as one read from the broker brought it); each result
    /// says whether that chunk was stored.
    @discardableResult
    public func append(_ chunks: [(chunk: LogChunk, worker: String)], byteCap: Int64) async throws -> [Bool] {
        let appender = LogFiles.Appender(logFiles)
        do {
            return try await write { db in
                let stored = try chunks.map { try JobStore.append($0.chunk, worker: $0.worker, byteCap: byteCap, files: appender, db) }
                // The bytes in files are durable before the rows that point at them commit.
                try appender.sync()
                return stored
            }
        } catch {
            appender.rollBack()
            throw error
        }
    }

    private static func append(
        _ chunk: LogChunk, worker: String, byteCap: Int64, files: LogFiles.Appender, _ db: Database
    ) throws -> Bool {
        guard let row = try Row.fetchOne(db, cached: "SELECT log_bytes, logs_truncated FROM jobs WHERE id = ?", arguments: [chunk.jobID]) else {
            return false
        }
        let used: Int64 = row["log_bytes"]
        let truncated: Int64 = row["logs_truncated"]
        guard truncated == 0, used + Int64(chunk.data.count) <= byteCap else {
            try db.execute(cached: "UPDATE jobs SET logs_truncated = 1 WHERE id = ?", arguments: [chunk.jobID])
            return false
        }
        if chunk.data.count >= LogFiles.threshold {
            // Checked first: a copy must not be appended to the file a second time.
            let stored = try Row.fetchOne(
                db, cached: "SELECT 1 FROM logs WHERE job_id = ? AND worker_id = ? AND seq = ?",
                arguments: [chunk.jobID, worker, Int64(chunk.seq)])
            guard stored == nil else { return false }
            let offset = try files.append(jobID: chunk.jobID, chunk.data)
            try db.execute(
                cached: "INSERT INTO logs (job_id, worker_id, seq, stream, data, file_offset, file_length) VALUES (?, ?, ?, ?, x'', ?, ?)",
                arguments: [chunk.jobID, worker, Int64(chunk.seq), chunk.stream, offset, chunk.data.count])
        } else {
            try db.execute(
                cached: "INSERT OR IGNORE INTO logs (job_id, worker_id, seq, stream, data) VALUES (?, ?, ?, ?, ?)",
                arguments: [chunk.jobID, worker, Int64(chunk.seq), chunk.stream, Data(chunk.data)])
            guard db.changesCount > 0 else { return false }
        }
        try db.execute(
            cached: "UPDATE jobs SET log_bytes = log_bytes + ? WHERE id = ?",
            arguments: [Int64(chunk.data.count), chunk.jobID])
        return true
    }

    /// The job's chunks from `sinceSeq` in order, as sent by the worker that holds it (none while
    /// no worker does), up to about `maxBytes` (always at least one chunk when there is one); `more`
    /// says the reply was cut short.
    public func logs(jobID: String, sinceSeq: UInt64, maxBytes: Int) async throws -> (chunks: [LogChunk], more: Bool) {
        let files = logFiles
        return try await read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT seq, stream, data, file_offset, file_length FROM logs
                    WHERE job_id = ? AND worker_id = (SELECT worker_id FROM jobs WHERE id = ?) AND seq >= ? ORDER BY seq
                    """, arguments: [jobID, jobID, Int64(clamping: sinceSeq)])
            var chunks: [LogChunk] = []
            var bytes = 0
            while let row = try cursor.next() {
                let offset: Int64? = row["file_offset"]
                let inline: Data = row["data"]
                let length: Int
                if offset == nil {
                    length = inline.count
                } else if let fileLength: Int = row["file_length"] {
                    length = fileLength
                } else {
                    throw DispatcherError(.io, "the log chunk \(row["seq"] as Int64) of job \(jobID) has a file offset but no length")
                }
                if !chunks.isEmpty && bytes + length > maxBytes { return (chunks, true) }
                bytes += length
                let data = try offset.map { try files.read(jobID: jobID, offset: $0, length: length) } ?? [UInt8](inline)
                let seq: Int64 = row["seq"]
                chunks.append(LogChunk(jobID: jobID, seq: UInt64(seq), stream: row["stream"], data: data))
            }
            return (chunks, false)
        }
    }

    /// Removes log files whose job is gone (deleted while the dispatcher stopped between the commit and
    /// the unlink). Runs at start, before anything appends.
    func removeOrphanLogFiles() throws {
        let names = logFiles.jobIDs()
        guard !names.isEmpty else { return }
        let orphans = try pool.read { db in
            try names.filter { try Row.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE id = ?", arguments: [$0]) == nil }
        }
        for jobID in orphans { logFiles.remove(jobID: jobID) }
    }

    /// How many chunks of the job are stored, and whether any were dropped by the byte cap.
    public func logStats(jobID: String) async throws -> (count: Int, truncated: Bool) {
        try await read { db in
            let count =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM logs WHERE job_id = ? AND worker_id = (SELECT worker_id FROM jobs WHERE id = ?)
                        """, arguments: [jobID, jobID]) ?? 0
            let truncated = try Int.fetchOne(db, sql: "SELECT logs_truncated FROM jobs WHERE id = ?", arguments: [jobID]) ?? 0
            return (count, truncated != 0)
        }
    }
}
