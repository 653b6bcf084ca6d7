#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport
import Testing
@testable import JobletCore

/// Tree removal where only root can build the tree or the mount: locked modes, another owner,
/// mounts at or inside the tree, openat2 hidden by seccomp (TreeRemovalTests has the rest).
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
        "a mount inside the tree stops the removal there and keeps its files, also a bind mount of the tree's own file system",
        .integration(needs: [.root]), arguments: TreeMount.Kind.allCases)
    func mountInsideIsNotEntered(kind: TreeMount.Kind) throws {
        let scratch = try HostileTree.scratch("rm-mount")
        defer { TreeMount.removeAll(scratch) }
        let root = scratch + "/job"
        let mountPoint = root + "/volume/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try "job data".write(toFile: root + "/volume/file", atomically: false, encoding: .utf8)
        let kept = try TreeMount.directory(kind, at: mountPoint, scratch: scratch)

        let refused = #expect(throws: JobletError.self) { try TreeRemoval.remove(root) }
        #expect(refused?.message.hasPrefix("refusing to remove \(mountPoint): a file system is mounted there") == true)
        #expect(refused?.message.contains("remove \(root) again") == true)
        #expect(try String(contentsOfFile: mountPoint + "/canary", encoding: .utf8) == "mounted")

        try TreeMount.unmount(mountPoint)
        try TreeRemoval.remove(root)
        #expect(!HostileTree.exists(root))
        if let kept { #expect(try String(contentsOfFile: kept, encoding: .utf8) == "mounted") }
    }

    @Test(
        "a mount at the tree's root is refused and its files kept", .integration(needs: [.root]),
        arguments: TreeMount.Kind.allCases)
    func mountAtRootIsNotEntered(kind: TreeMount.Kind) throws {
        let scratch = try HostileTree.scratch("rm-mount-root")
        defer { TreeMount.removeAll(scratch) }
        let root = scratch + "/job"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        let kept = try TreeMount.directory(kind, at: root, scratch: scratch)

        let refused = #expect(throws: JobletError.self) { try TreeRemoval.remove(root) }
        #expect(refused?.message.hasPrefix("refusing to remove \(root): a file system is mounted there") == true)
        #expect(try String(contentsOfFile: root + "/canary", encoding: .utf8) == "mounted")

        try TreeMount.unmount(root)
        try TreeRemoval.remove(root)
        #expect(!HostileTree.exists(root))
        if let kept { #expect(try String(contentsOfFile: kept, encoding: .utf8) == "mounted") }
    }

    @Test("a file bind-mounted in the tree, or as the tree, is refused and left as it was", .integration(needs: [.root]))
    func boundFileIsNotUnlinked() throws {
        let scratch = try HostileTree.scratch("rm-mount-file")
        defer { TreeMount.removeAll(scratch) }
        try "secret".write(toFile: scratch + "/source", atomically: false, encoding: .utf8)
        let root = scratch + "/job"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        // Inside: readdir says a regular file, so the walk unlinks it and the kernel says EBUSY.
        // As the root: the root is opened first, and the kernel says EXDEV.
        for (target, tree) in [(root + "/mounted-file", root), (scratch + "/file-root", scratch + "/file-root")] {
            try "job data".write(toFile: target, atomically: false, encoding: .utf8)
            try TreeMount.bind(scratch + "/source", at: target)

            let refused = #expect(throws: JobletError.self) { try TreeRemoval.remove(tree) }
            #expect(refused?.message.hasPrefix("refusing to remove \(target): a file system is mounted there") == true)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "secret")

            try TreeMount.unmount(target)
            try TreeRemoval.remove(tree)
            #expect(!HostileTree.exists(tree))
        }
        #expect(try String(contentsOfFile: scratch + "/source", encoding: .utf8) == "secret")
    }

    @Test(
        "without openat2 (a kernel before 5.6, or a seccomp profile that hides it) nothing is removed",
        .integration(needs: [.root]))
    func withoutOpenat2NothingIsRemoved() async throws {
        let scratch = try HostileTree.scratch("rm-no-openat2")
        defer { TreeMount.removeAll(scratch) }
        let root = scratch + "/job"
        try HostileTree.chain(at: root, depth: 3, name: "d")
        let error = try await HiddenOpenat2.run { try TreeRemoval.remove(root) }
        let refused = try #require(error as? JobletError)
        #expect(refused.code == .system)
        #expect(refused.message.contains("openat2 is not available (it needs Linux 5.6 or later"))
        #expect(HostileTree.exists(root + "/d/d/d/leaf"))
    }
}
