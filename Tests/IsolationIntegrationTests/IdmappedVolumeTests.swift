import Foundation
import Isolation
import TestSupport
import Testing

/// Volumes through idmapped mounts: jobs of different uids share every file of a volume, which
/// stays owned by the storage id on disk.
@Suite(.integration(needs: [.root]), .timeLimit(.minutes(10)))
struct IdmappedVolumeTests {
    @Test("a file one job's uid made (mode 600) is another uid's own in the next job; on disk it is the storage id's")
    func jobsOfDifferentUIDsShareAVolume() async throws {
        let storage: UInt32 = 65534
        let root = NSTemporaryDirectory() + "joblet-idmap-\(UUID().uuidString.prefix(8))"
        let volume = root + "/volume"
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        #expect(chown(volume, storage, storage) == 0)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let volumes = IdmappedVolumes(directory: root + "/staged", storageID: storage)
        try volumes.prepare(probing: volume)

        func run(as uid: UInt32, _ script: String) async throws -> SandboxRun {
            let jobID = "idmap-\(uid)"
            let work = try WorkDirectory(uid: uid, gid: uid)
            var plan = SandboxHarness.plan(["sh", "-c", script], work: work)
            plan.uid = uid
            plan.gid = uid
            plan.volumes = try volumes.stage([VolumeMount(name: "v", hostPath: volume)], jobID: jobID, uid: uid)
            defer { volumes.unstage(jobID: jobID) }
            return try await SandboxHarness.run(plan)
        }

        let first = try await run(as: 71200, "echo one > /volumes/v/f && chmod 600 /volumes/v/f && stat -c %u /volumes/v/f")
        #expect(first.status == .exited(0), "\(first.err)")
        #expect(first.out == "71200\n", "the job sees its file as its own")
        var onDisk = stat()
        #expect(stat(volume + "/f", &onDisk) == 0 && onDisk.st_uid == storage && onDisk.st_gid == storage)

        let second = try await run(as: 71201, "echo two >> /volumes/v/f && cat /volumes/v/f && stat -c %u /volumes/v/f")
        #expect(second.status == .exited(0), "\(second.err)")
        #expect(second.out == "one\ntwo\n71201\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/staged").isEmpty, "nothing stays staged")
    }
}
