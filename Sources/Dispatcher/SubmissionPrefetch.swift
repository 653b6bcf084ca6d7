/// How many submissions the dispatcher lets the broker send ahead. Each may be as large as its body
/// limit (`BodyLimits.submission(maxUpload:)`), and the connection's thread reads every delivery the
/// prefetch lets in, so prefetch × that limit is what any submitter can make the dispatcher hold: 32 × 11.7 MiB
/// = 373 MiB at the default `max_upload` of 8M, 1.4 GiB at its largest. The prefetch is cut to keep that
/// within `heldBytes`; small limits keep the full 32, which lets a burst's store writes and confirm waits
/// overlap (a few in flight already keep the dispatcher busy: each waits about 2 ms).
enum SubmissionPrefetch {
    static let heldBytes = 128 << 20
    static let most: UInt16 = 32

    static func count(bodyLimit: Int) -> UInt16 {
        UInt16(clamping: min(Int(most), max(1, heldBytes / bodyLimit)))
    }
}
