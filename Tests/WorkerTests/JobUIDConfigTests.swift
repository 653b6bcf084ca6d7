#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import JobletCore
import Testing
@testable import Worker

/// job.uid_range: parsing, its checks against slots and the host, and the pool that leases it.
struct JobUIDConfigTests {
    @Test func theDefaultRangeIsUnusedAndCoversTheDefaultSlots() throws {
        let config = try WorkerConfig.load(text: "slots: 4\n").config
        #expect(config.jobUIDs == JobUIDRange.default && config.jobUIDs.description == "70000-70999")
        #expect(config.volumeOwner == 65534)
        #expect(!config.jobUIDs.overlaps(61184...65535), "systemd's dynamic users, nobody, 16-bit -1")
        #expect(!config.jobUIDs.overlaps(100_000...600_165_535), "login.defs SUB_UID_MIN..SUB_UID_MAX+COUNT")
    }

    @Test func rangesParse() throws {
        let range = try WorkerConfig.load(text: "slots: 2\njob:\n  uid_range: \"200000-200001\"\n").config.jobUIDs
        #expect(range.first == 200_000 && range.last == 200_001 && range.count == 2)
        let single = try WorkerConfig.load(text: "slots: 8\njob:\n  uid_range: 71000\n").config.jobUIDs
        #expect(single.count == 1, "one uid is allowed (jobs then share it; the worker warns)")
    }

    @Test func aRangeSmallerThanTheSlotsIsAConfigError() {
        #expect {
            _ = try WorkerConfig.load(text: "slots: 4\njob:\n  uid_range: \"71000-71002\"\n")
        } throws: { error in
            (error as? WorkerError)?.message == "job.uid_range: 71000-71002 has 3 uids but slots is 4: each running job needs a uid of its own; give at least 4"
        }
    }

    @Test func badRangesAreConfigErrors() {
        for bad in ["\"65000-66000\"", "\"0-10\"", "\"72000-71000\"", "\"seventy\"", "\"70000-170000\"", "\"2147483000-2147483647\""] {
            #expect(throws: (any Error).self, "\(bad)") { _ = try WorkerConfig.load(text: "job:\n  uid_range: \(bad)\n") }
        }
        #expect(throws: (any Error).self, "the volume owner must be no job's uid") {
            _ = try WorkerConfig.load(text: "job:\n  uid_range: \"71000-71010\"\n  volume_owner: 71005\n")
        }
    }

    @Test func theOldSharedUIDKeysSayWhatReplacedThem() {
        #expect {
            _ = try WorkerConfig.load(text: "job:\n  uid: 65534\n  gid: 65534\n")
        } throws: { error in
            "\(error)".contains("job.uid_range")
        }
    }

    @Test func aRangeWithAUserOrSubordinateIDsIsRefusedAtStart() throws {
        // uid 1 is `daemon` on every Linux we run on; the check names it.
        let daemon = try JobUIDRange(parsing: "1-3")
        #expect(throws: WorkerError.self) { try JobUIDHostCheck.check(daemon) }
        let subuid = NSTemporaryDirectory() + "joblet-subuid-\(UUID().uuidString)"
        try "alice:100000:65536\n".write(toFile: subuid, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: subuid) }
        #expect {
            try JobUIDHostCheck.check(JobUIDRange(parsing: "165000-166000"), subuid: subuid)
        } throws: { error in
            (error as? WorkerError)?.message.contains("alice's subordinate uids 100000-165535") == true
        }
        try JobUIDHostCheck.check(JobUIDRange.default, subuid: subuid)
    }
}

/// The /proc status parser behind the uid walk.
@Suite struct ProcStatusTests {
    @Test func readsTheFourUIDsOfTheUidLine() {
        let status = Array("Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t70001\t70002\t0\t4294967295\nGid:\t5\t5\t5\t5\n".utf8)
        #expect(ProcStatus.uids(status) == [70001, 70002, 0, 4_294_967_295])
    }

    @Test func aStatusWithoutUidLineOrWithGarbageYieldsNoUID() {
        #expect(ProcStatus.uids(Array("Name:\tx\nGid:\t1\t1\t1\t1\n".utf8)).isEmpty)
        #expect(ProcStatus.uids(Array("Name:\tx\nUid:\t99999999999\t1\n".utf8)).isEmpty)
        #expect(ProcStatus.uids([]).isEmpty)
    }

    @Test func theWorkersOwnProcessIsFound() {
        #expect(JobUIDPool.scanProcessUIDs().contains(getuid()))
    }
}
