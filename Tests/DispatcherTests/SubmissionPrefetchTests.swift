import JobletMessaging
import Testing

@testable import Dispatcher

/// What any submitter can make the dispatcher hold: the submissions its prefetch lets the broker send,
/// each up to the body limit of `max_upload`.
struct SubmissionPrefetchTests {
    @Test(arguments: [64 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20, BodyLimits.maxUpload])
    func whatSubmissionsInHandMayHoldStaysWithinTheBound(maxUpload: Int) {
        let prefetch = SubmissionPrefetch.count(maxUpload: maxUpload)
        #expect(prefetch >= 1)
        #expect(Int(prefetch) * BodyLimits.submission(maxUpload: maxUpload) <= SubmissionPrefetch.heldBytes)
    }

    @Test func smallUploadLimitsKeepTheFullPrefetchAndTheDefaultKeepsSeveral() {
        #expect(SubmissionPrefetch.count(maxUpload: 1 << 20) == SubmissionPrefetch.most)
        #expect(SubmissionPrefetch.count(maxUpload: 8 << 20) == 10)
        #expect(SubmissionPrefetch.count(maxUpload: BodyLimits.maxUpload) == 2)
    }
}
