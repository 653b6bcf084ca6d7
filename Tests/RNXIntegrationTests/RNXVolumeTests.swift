import Foundation
import JobletCore
import Testing
import TestSupport

/// Volumes through rnx on a real cluster: owned by their creator, of a fixed size, shared only
/// when the owner says so, removed by their owner from every worker host.
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXVolumeTests {
    func volumes(_ cluster: LocalCluster, as user: BrokerRoles.User? = nil) async throws -> [VolumeInfo] {
        let listed = try await cluster.rnx(["volume", "list", "--json"], as: user)
        #expect(listed.status == 0, "\(listed)")
        return try JSONCodec.decode([VolumeInfo].self, from: Array(listed.stdout.utf8), rejectUnknownKeys: false)
    }

    @Test func aVolumeIsItsOwnersSizedAndSharedOnlyWhenAsked() async throws {
        let cluster = try await LocalCluster.shared()
        let name = "data-\(UUID().uuidString.prefix(8).lowercased())"
        let alice = cluster.alice, bob = cluster.bob
        let created = try await cluster.rnx(["volume", "create", name, "--size", "64M"])
        #expect(created.status == 0 && created.stdout.contains("64M"), "\(created)")
        let again = try await cluster.rnx(["volume", "create", name])
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again)")

        // One job writes, the next reads.
        let write = try await cluster.rnx(["run", "--volume", name, "--", "sh", "-c", "echo kept > /volumes/\(name)/file"])
        #expect(write.status == 0, "\(write)")
        let read = try await cluster.rnx(["run", "--volume", name, "--", "cat", "/volumes/\(name)/file"])
        #expect(read.status == 0 && read.stdout == "kept\n", "\(read)")

        // Writing past the size: ENOSPC.
        let fill = try await cluster.rnx(["run", "--volume", name, "--", "dd", "if=/dev/zero", "of=/volumes/\(name)/big", "bs=1M", "count=100"])
        #expect(fill.status != 0 && fill.stderr.contains("No space left on device"), "\(fill)")
        _ = try await cluster.rnx(["run", "--volume", name, "--", "rm", "-f", "/volumes/\(name)/big"])

        // Bob neither sees nor mounts it…
        #expect(try await volumes(cluster, as: bob).allSatisfy { $0.owner != alice.name })
        let denied = try await cluster.rnx(["run", "--volume", "\(alice.name)/\(name)", "--", "cat", "/volumes/\(name)/file"], as: bob)
        #expect(denied.status != 0 && denied.stderr.contains("no volume \(alice.name)/\(name) shared with \(bob.name)"), "\(denied)")
        #expect(!denied.stdout.contains("kept"), "\(denied)")
        // …and "data" is his own namespace: a volume of his own, not hers.
        let own = try await cluster.rnx(["run", "--volume", name, "--", "sh", "-c", "ls -A /volumes/\(name)"], as: bob)
        #expect(own.status == 0 && own.stdout.isEmpty, "\(own)")

        // Shared read-only: bob reads it and cannot write it.
        let shared = try await cluster.rnx(["volume", "share", name, "--with", bob.name, "--read-only"])
        #expect(shared.status == 0, "\(shared)")
        let seen = try await volumes(cluster, as: bob).first { $0.owner == alice.name && $0.name == name }
        #expect(seen?.access == "read_only" && seen?.shares == nil, "\(String(describing: seen))")
        let bobReads = try await cluster.rnx(["run", "--volume", "\(alice.name)/\(name)", "--", "cat", "/volumes/\(name)/file"], as: bob)
        #expect(bobReads.status == 0 && bobReads.stdout == "kept\n", "\(bobReads)")
        let bobWrites = try await cluster.rnx(["run", "--volume", "\(alice.name)/\(name)", "--", "sh", "-c", "echo bob > /volumes/\(name)/file"], as: bob)
        #expect(bobWrites.status != 0 && bobWrites.stderr.contains("Read-only file system"), "\(bobWrites)")

        // Only alice removes it; bob's "remove NAME" is his own (none), hers is forbidden to him.
        let bobRemovesOwnName = try await cluster.rnx(["volume", "remove", "\(name)-none"], as: bob)
        #expect(bobRemovesOwnName.status != 0 && bobRemovesOwnName.stderr.contains("no volume"), "\(bobRemovesOwnName)")
        let bobRemoves = try await cluster.rnx(["volume", "remove", "\(alice.name)/\(name)"], as: bob)
        #expect(bobRemoves.status != 0 && bobRemoves.stderr.contains("only \(alice.name)"), "\(bobRemoves)")
        let hostPath = cluster.volumesDirectory + "/\(alice.name)/\(name)"
        #expect(FileManager.default.fileExists(atPath: hostPath + "/image"))
        let removed = try await cluster.rnx(["volume", "remove", name])
        #expect(removed.status == 0, "\(removed)")
        #expect(try await volumes(cluster).allSatisfy { $0.name != name || $0.owner != alice.name })
        // The workers delete their copies when the control command reaches them.
        for _ in 0..<100 where FileManager.default.fileExists(atPath: hostPath) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!FileManager.default.fileExists(atPath: hostPath), "the volume's data is still on the worker host")
        // Made again, it starts empty.
        let fresh = try await cluster.rnx(["run", "--volume", name, "--", "sh", "-c", "ls -A /volumes/\(name)"])
        #expect(fresh.status == 0 && fresh.stdout.isEmpty, "\(fresh)")
        _ = try await cluster.rnx(["volume", "remove", name])
        _ = try await cluster.rnx(["volume", "remove", name], as: bob)
    }

    @Test func aVolumeInUseIsNotRemoved() async throws {
        let cluster = try await LocalCluster.shared()
        let name = "busy-\(UUID().uuidString.prefix(8).lowercased())"
        let submitted = try await cluster.rnx([
            "submit", "--json", "--volume", name, "--", "sh", "-c",
            "while [ ! -e /volumes/\(name)/go ]; do sleep 0.2; done",
        ])
        #expect(submitted.status == 0, "\(submitted)")
        let jobID = try JSONCodec.decode(SubmitReply.self, from: Array(submitted.stdout.utf8), rejectUnknownKeys: false).jobID ?? ""
        let refused = try await cluster.rnx(["volume", "remove", name])
        #expect(refused.status != 0 && refused.stderr.contains("is used by job"), "\(refused)")
        // Once it runs (its volume is mounted), let it finish; then the volume can go.
        for _ in 0..<200 {
            let status = try await cluster.rnx(["status", "--json", jobID])
            if (try? JSONCodec.decode(JobRecord.self, from: Array(status.stdout.utf8), rejectUnknownKeys: false))?.state != .queued { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = FileManager.default.createFile(atPath: cluster.volumePath(name) + "/go", contents: Data())
        var removed = try await cluster.rnx(["volume", "remove", name])
        for _ in 0..<100 where removed.status != 0 {
            try await Task.sleep(for: .milliseconds(100))
            removed = try await cluster.rnx(["volume", "remove", name])
        }
        #expect(removed.status == 0, "\(removed)")
    }
}
