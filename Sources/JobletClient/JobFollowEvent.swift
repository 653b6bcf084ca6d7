import JobletCore

/// What following a job yields, in order; `.ended` is the last element.
public enum JobFollowEvent: Sendable {
    /// The job's next chunk of output: in sequence order across both streams, none twice, none skipped.
    case output(LogChunk)
    /// The job's state as the follower learned it (`running` once a worker took it; a terminal state
    /// comes before the output still on its way, then `.ended`).
    case state(JobState)
    /// The dispatcher kept only the first part of the log (its `log_bytes_per_job` cap): the chunks
    /// the job printed after that will not come.
    case logNotStored(JobRecord)
    /// The job ended, but chunks from `from` on never arrived (30 s after its end): the output is
    /// incomplete.
    case outputMissing(from: UInt64)
    /// How the job ended, once every chunk it announced was yielded.
    case ended(JobOutcome)
}
