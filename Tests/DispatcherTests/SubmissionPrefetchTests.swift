import JobletMessaging
import Testing

@testable import Dispatcher

/// What any submitter can make the dispatcher hold: the submissions its prefetch lets the broker send,
/// each up to the body limit of `max_upload`.
struct SubmissionPrefetchTests {
    @Test(arguments: [64 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20, BodyLimits.maxUpload])
    func whatSubmissionsInHandMayHoldStaysWithinTheBound(maxUpload: Int) {
        let limit = BodyLimits.submission(maxUpload: maxUpload)
        let prefetch = SubmissionPrefetch.count(bodyLimit: limit)
        #expect(prefetch >= 1)
        #expect(Int(prefetch) * limit <= SubmissionPrefetch.heldBytes)
    }

    @Test func smallUploadLimitsKeepTheFullPrefetchAndTheDefaultKeepsSeveral() {
        func prefetch(maxUpload: Int) -> UInt16 { SubmissionPrefetch.count(bodyLimit: BodyLimits.submission(maxUpload: maxUpload)) }
        #expect(prefetch(maxUpload: 1 << 20) == SubmissionPrefetch.most)
        #expect(prefetch(maxUpload: 8 << 20) == 10)
        #expect(prefetch(maxUpload: BodyLimits.maxUpload) == 2)
    }
}
