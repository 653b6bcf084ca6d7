#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport
import Testing
@testable import JobletCore

/// The trees a job can leave in its work dir, removed on the real file system (as any user;
/// TreeRemovalAsRootTests has the ones that need root).
@Suite("tree removal: fd-relative, so no tree a job makes survives it")
struct TreeRemovalTests {
    static let longName = String(repeating: "x", count: 250)

    @Test("20 nested directories with 250-character names (a path past PATH_MAX) leave nothing")
    func pathLongerThanPathMax() throws {
        let scratch = try HostileTree.scratch("rm-long")
        defer { try? TreeRemoval.remove(scratch) }
        let root = scratch + "/job"
        try HostileTree.chain(at: root, depth: 20, name: Self.longName)
        #expect(root.utf8.count + 20 * (Self.longName.count + 1) > Int(PATH_MAX))
        // What the path-based removal did: the innermost directory has no usable path.
        let innermost = root + String(repeating: "/" + Self.longName, count: 20)
        #expect(rmdir(innermost) == -1 && errno == ENAMETOOLONG)

        try TreeRemoval.remove(root)
        #expect(!HostileTree.exists(root))
    }

    // 10,000 keeps the suite quick on a loaded host; 100,000 behaves the same (linear, ~10 s here).
    @Test("a tree 10,000 levels deep goes without recursion and with at most 33 directories open")
    func veryDeepTree() throws {
        let scratch = try HostileTree.scratch("rm-deep")
        defer { try? TreeRemoval.remove(scratch) }
        let root = scratch + "/job"
        try HostileTree.chain(at: root, depth: 10_000, name: "d")
        // The count sees a descriptor held on the tree (so a leak would show).
        let held = open(root + "/d", O_RDONLY | O_DIRECTORY)
        #expect(HostileTree.openDescriptors(under: root) == 1)
        close(held)

        let statistics = try TreeRemoval.walk(root)
        #expect(!HostileTree.exists(root))
        #expect(statistics.deepest == 10_001)
        #expect(statistics.removed == 10_002)
        #expect(statistics.peakOpen <= TreeRemoval.heldDirectories + 1)
        #expect(statistics.reopened >= 10_000 - TreeRemoval.heldDirectories)
        // Counted inside the tree only: tests running alongside open files of their own (26 more
        // during one loaded CI run), which a process-wide count mistook for a leak.
        #expect(HostileTree.openDescriptors(under: root) == 0)
    }

    @Test("wide directories above a chain deeper than the open window: every entry goes")
    func wideAndDeep() throws {
        let scratch = try HostileTree.scratch("rm-wide")
        defer { try? TreeRemoval.remove(scratch) }
        let root = scratch + "/job"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        var created = 1
        for branch in 0..<5 {
            let directory = root + "/branch-\(branch)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            for file in 0..<300 { try "x".write(toFile: directory + "/f\(file)", atomically: false, encoding: .utf8) }
            try HostileTree.chain(at: directory + "/chain", depth: 3 * TreeRemoval.heldDirectories, name: "c")
            created += 1 + 300 + 1 + 3 * TreeRemoval.heldDirectories + 1
        }
        for file in 0..<1000 { try "y".write(toFile: root + "/top-\(file)", atomically: false, encoding: .utf8) }
        created += 1000

        let statistics = try TreeRemoval.walk(root)
        #expect(!HostileTree.exists(root))
        #expect(statistics.removed == created)
        #expect(statistics.reopened > 0)
    }

    @Test("symlinks to directories and files outside are removed; their targets are untouched")
    func symlinksAreNotFollowed() throws {
        let outside = try HostileTree.scratch("rm-target")
        defer { try? TreeRemoval.remove(outside) }
        try "alive".write(toFile: outside + "/canary", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: outside + "/sub", withIntermediateDirectories: false)
        try "alive".write(toFile: outside + "/sub/canary", atomically: false, encoding: .utf8)

        let scratch = try HostileTree.scratch("rm-links")
        defer { try? TreeRemoval.remove(scratch) }
        let root = scratch + "/job"
        try FileManager.default.createDirectory(atPath: root + "/deeper/still", withIntermediateDirectories: true)
        for (link, target) in [
            ("to-dir", outside), ("to-file", outside + "/canary"), ("slash", "/"),
            ("deeper/to-sub", outside + "/sub"), ("deeper/still/up", "../.."),
            ("deeper/still/dangling", "/nonexistent/joblet"),
        ] {
            #expect(symlink(target, root + "/" + link) == 0)
        }
        try TreeRemoval.remove(root)
        #expect(!HostileTree.exists(root))

        // A symlink as the root itself is unlinked, not followed.
        #expect(symlink(outside, scratch + "/link") == 0)
        try TreeRemoval.remove(scratch + "/link")
        #expect(!HostileTree.exists(scratch + "/link"))

        #expect(try String(contentsOfFile: outside + "/canary", encoding: .utf8) == "alive")
        #expect(try String(contentsOfFile: outside + "/sub/canary", encoding: .utf8) == "alive")
    }

    @Test("a missing path is fine, a file is unlinked, and / . .. are refused")
    func edges() throws {
        let scratch = try HostileTree.scratch("rm-edges")
        defer { try? TreeRemoval.remove(scratch) }
        try TreeRemoval.remove(scratch + "/missing")
        try TreeRemoval.remove(scratch + "/missing/below")
        try "x".write(toFile: scratch + "/file", atomically: false, encoding: .utf8)
        try TreeRemoval.remove(scratch + "/file/")
        #expect(!HostileTree.exists(scratch + "/file"))
        for path in ["/", "//", "", ".", scratch + "/..", scratch + "/."] {
            let error = #expect(throws: JobletError.self) { try TreeRemoval.remove(path) }
            #expect(error?.code == .invalidArgument)
        }
        #expect(HostileTree.exists(scratch))
    }

    @Test("removeOnBlockingExecutor removes the tree and reports errors like remove")
    func onOwnThread() async throws {
        let scratch = try HostileTree.scratch("rm-thread")
        defer { try? TreeRemoval.remove(scratch) }
        try HostileTree.chain(at: scratch + "/job", depth: 50, name: Self.longName)
        try await TreeRemoval.removeOnBlockingExecutor(scratch + "/job")
        #expect(!HostileTree.exists(scratch + "/job"))
        await #expect(throws: JobletError.self) { try await TreeRemoval.removeOnBlockingExecutor("/") }
    }
}
