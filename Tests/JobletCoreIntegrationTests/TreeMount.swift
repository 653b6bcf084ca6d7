#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport
@testable import JobletCore

/// The mounts the tree-removal tests put in a tree, each holding a file `canary` that reads "mounted".
enum TreeMount {
    enum Kind: String, CaseIterable, Sendable {
        /// A directory of the tree's own file system bound into it: the same `st_dev` on both
        /// sides, so only the mount itself tells.
        case bindOfSameFileSystem
        /// A file system of its own.
        case tmpfs
    }

    /// Mounts a `kind` at the directory `mountPoint`; returns the canary that must outlive the
    /// test (a bind mount's source, made in `scratch`), nil for a tmpfs.
    static func directory(_ kind: Kind, at mountPoint: String, scratch: String) throws -> String? {
        switch kind {
        case .bindOfSameFileSystem:
            let source = scratch + "/outside"
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: false)
            try "mounted".write(toFile: source + "/canary", atomically: false, encoding: .utf8)
            try bind(source, at: mountPoint)
            guard RuntimeFiles.stat(mountPoint)?.st_dev == RuntimeFiles.stat(scratch)?.st_dev else {
                throw HostileTreeError(what: "bind \(source): st_dev differs from the tree's, not the case to test", code: EINVAL)
            }
            return source + "/canary"
        case .tmpfs:
            try check("mount tmpfs at \(mountPoint)", mount("tmpfs", mountPoint, "tmpfs", 0, "size=1m"))
            try "mounted".write(toFile: mountPoint + "/canary", atomically: false, encoding: .utf8)
            return nil
        }
    }

    static func bind(_ source: String, at target: String) throws {
        try check("bind \(source) at \(target)", mount(source, target, nil, UInt(MS_BIND), nil))
    }

    static func unmount(_ mountPoint: String) throws {
        try check("umount \(mountPoint)", umount2(mountPoint, 0))
    }

    /// A test's clean-up: whatever it left mounted goes first, then its scratch dir.
    static func removeAll(_ scratch: String) {
        TestMounts.unmountAll(under: scratch)
        try? TreeRemoval.remove(scratch)
    }

    private static func check(_ what: String, _ result: Int32) throws {
        if result != 0 { throw HostileTreeError(what: what, code: errno) }
    }
}
