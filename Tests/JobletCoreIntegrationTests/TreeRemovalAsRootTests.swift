#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport
import Testing
@testable import JobletCore

/// Tree removal where only root can build the tree or the mount: locked modes, another owner, a
/// mount inside the tree (TreeRemovalTests has the rest).
@Suite("tree removal as root")
struct TreeRemovalAsRootTests {
    @Test(
        "directories the job made unreadable (000) or read-only (0500), and a mode-000 file, go too",
        .integration(needs: [.root]))
    func lockedDirectoriesAsRoot() throws {
        let scratch = try HostileTree.scratch("rm-locked")
        defer { try? TreeRemoval.remove(scratch) }
        let root = scratch + "/job"
        try LockedTree.make(at: root)
        try TreeRemoval.remove(root)
        #expect(!HostileTree.exists(root))
    }

    @Test(
        "the same tree removed by its owner without root: modes are fixed through descriptors",
        .integration(needs: [.root]), .enabled(if: LockedTree.setFilesystemUID != nil, "setfsuid not found"))
    func lockedDirectoriesAsOwner() async throws {
        let scratch = try HostileTree.scratch("rm-owner")
        defer { try? TreeRemoval.remove(scratch) }
        let owner: uid_t = 65534
        #expect(chown(scratch, owner, owner) == 0)
        let root = scratch + "/job"
        try LockedTree.make(at: root, owner: owner)
        try await LockedTree.asFilesystemUser(owner, probe: root + "/secret") { try TreeRemoval.remove(root) }
        #expect(!HostileTree.exists(root))
    }

    @Test(
        "a file system mounted inside the tree stops the removal and keeps its files",
        .integration(needs: [.root]))
    func mountInsideIsNotEntered() throws {
        let scratch = try HostileTree.scratch("rm-mount")
        defer { try? TreeRemoval.remove(scratch) }
        let root = scratch + "/job"
        let mountPoint = root + "/volume/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try "job data".write(toFile: root + "/volume/file", atomically: false, encoding: .utf8)
        try #require(mount("tmpfs", mountPoint, "tmpfs", 0, "size=1m") == 0, "mount tmpfs: \(String(cString: strerror(errno)))")
        var mounted = true
        defer { if mounted { umount2(mountPoint, Int32(MNT_DETACH)) } }
        try "mounted".write(toFile: mountPoint + "/canary", atomically: false, encoding: .utf8)

        // The mount table names it before anything is removed.
        let refused = #expect(throws: JobletError.self) { try TreeRemoval.remove(root) }
        #expect(refused?.message.contains("\(mountPoint) is mounted inside it") == true)
        #expect(HostileTree.exists(root + "/volume/file"))

        // Without the table, the walk stops at the other st_dev and does not enter it.
        let stopped = #expect(throws: JobletError.self) { try TreeRemoval.removeWithoutMountTable(root) }
        #expect(stopped?.message.contains("another file system is mounted there") == true)
        #expect(stopped?.message.contains("mnt") == true)
        // Nor when the tree's root is the mount point itself.
        #expect(throws: JobletError.self) { try TreeRemoval.removeWithoutMountTable(mountPoint) }
        #expect(try String(contentsOfFile: mountPoint + "/canary", encoding: .utf8) == "mounted")

        #expect(umount2(mountPoint, 0) == 0)
        mounted = false
        try TreeRemoval.remove(root)
        #expect(!HostileTree.exists(root))
    }
}
