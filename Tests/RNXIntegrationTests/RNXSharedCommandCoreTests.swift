import Foundation
import JobletCore
import Testing
import TestSupport

/// What commands now share one core for: `network remove`/`volume remove` (one removal report) and
/// `cancel`/`delete`/`status` (one job id check before asking the dispatcher).
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(5)))
struct RNXSharedCommandCoreTests {
    @Test(arguments: ["network", "volume"])
    func removalSaysWhatWasRemovedOrPrintsTheResponse(noun: String) async throws {
        let cluster = try await LocalCluster.shared()
        let name = "core-\(UUID().uuidString.prefix(8).lowercased())"
        for json in [false, true] {
            let created = try await cluster.rnx([noun, "create", name])
            #expect(created.status == 0, "\(created)")
            let removed = try await cluster.rnx([noun, "remove", name] + (json ? ["--json"] : []))
            #expect(removed.status == 0, "\(removed)")
            if json {
                let response = try JSONCodec.decode(RPCResponse.self, from: Array(removed.stdout.utf8), rejectUnknownKeys: false)
                #expect(response.ok, "\(removed)")
            } else {
                #expect(removed.stdout == "removed \(noun) \(name)\n", "\(removed)")
            }
        }
    }

    @Test(arguments: ["cancel", "delete", "status"])
    func aJobIdThatCannotBeOneIsRefusedBeforeAsking(command: String) async throws {
        let cluster = try await LocalCluster.shared()
        let result = try await cluster.rnx([command, "not-an-id"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("\"not-an-id\" is not a job id"), "\(result)")
    }

    @Test func deleteRemovesAFinishedJob() async throws {
        let cluster = try await LocalCluster.shared()
        let submitted = try await cluster.rnx(["submit", "--wait", "--json", "--", "true"])
        #expect(submitted.status == 0, "\(submitted)")
        let job = try JSONCodec.decode(JobRecord.self, from: Array(submitted.stdout.utf8), rejectUnknownKeys: false)
        let deleted = try await cluster.rnx(["delete", job.jobID])
        #expect(deleted.status == 0 && deleted.stdout == "deleted 1 job\n", "\(deleted)")
        let status = try await cluster.rnx(["status", job.jobID])
        #expect(status.status != 0, "\(status)")
    }
}
