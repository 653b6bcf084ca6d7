import Foundation
import Testing
@testable import TestSupport

/// What the exit hook does with the registered scratch directories.
@Suite struct ExitCleanupTests {
    /// Two scratch directories with a file each, and a path that was never made.
    func scratch() throws -> [String] {
        let made = [ScratchPath.make("exit-cleanup"), ScratchPath.make("exit-cleanup")]
        for path in made {
            try FileManager.default.createDirectory(atPath: path + "/sub", withIntermediateDirectories: true)
            try "x".write(toFile: path + "/sub/file", atomically: false, encoding: .utf8)
        }
        return made + [ScratchPath.make("exit-cleanup-missing")]
    }

    @Test func everyDirectoryIsRemovedAndAMissingOneIsFine() throws {
        let paths = try scratch()
        #expect(ExitCleanup.clean(paths, keep: false).isEmpty)
        #expect(paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
    }

    @Test func keepingLeavesThemAndNamesThoseThatExist() throws {
        let paths = try scratch()
        defer { _ = ExitCleanup.clean(paths, keep: false) }
        #expect(ExitCleanup.clean(paths, keep: true) == Array(paths.prefix(2)))
        #expect(paths.prefix(2).allSatisfy { FileManager.default.fileExists(atPath: $0 + "/sub/file") })
    }

    @Test(arguments: [
        ([:], false), (["JOBLET_KEEP_TEST_FILES": "1"], true), (["JOBLET_KEEP_TEST_FILES": "0"], false),
        (["JOBLET_KEEP_TEST_FILES": ""], false),
    ])
    func onlyOneKeeps(environment: [String: String], keeps: Bool) {
        #expect(ExitCleanup.keeps(environment) == keeps)
    }
}
