#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport

/// A tree whose modes fight its removal, and a way to remove it as its owner instead of root.
enum LockedTree {
    /// `locked/` (000) holding a file and `inner/` (000) with a file, `readonly/` (0500) with a
    /// file, and `secret` (000); everything owned by `owner` when given.
    static func make(at root: String, owner: uid_t? = nil) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: root + "/locked/inner", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/readonly", withIntermediateDirectories: false)
        for file in ["locked/inner/file", "locked/file", "readonly/file", "secret"] {
            try "x".write(toFile: root + "/" + file, atomically: false, encoding: .utf8)
        }
        if let owner {
            for entry in [
                "", "/locked", "/locked/inner", "/locked/inner/file", "/locked/file", "/readonly",
                "/readonly/file", "/secret",
            ] {
                guard lchown(root + entry, owner, owner) == 0 else { throw HostileTreeError(what: "lchown", code: errno) }
            }
        }
        // Innermost first: a 000 directory hides what is inside it.
        for (entry, mode) in [("/locked/inner", 0), ("/locked", 0), ("/readonly", 0o500), ("/secret", 0)] as [(String, mode_t)] {
            guard chmod(root + entry, mode) == 0 else { throw HostileTreeError(what: "chmod", code: errno) }
        }
    }

    typealias SetFSUID = @convention(c) (UInt32) -> Int32

    /// glibc's setfsuid(2) (not in the Glibc module): the calling thread alone then acts as that
    /// user for file access, without root's file capabilities.
    static var setFilesystemUID: SetFSUID? {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "setfsuid") else { return nil }
        return unsafeBitCast(symbol, to: SetFSUID.self)
    }

    /// Runs `body` on a thread of its own whose file-system user is `uid`.
    static func asFilesystemUser(_ uid: uid_t, probe: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        guard let setfsuid = setFilesystemUID else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                _ = setfsuid(uid)
                defer { _ = setfsuid(0) }
                // Proof that it took: root could read this mode-000 file, its owner cannot.
                let fd = open(probe, O_RDONLY | O_CLOEXEC)
                guard fd < 0, errno == EACCES else {
                    if fd >= 0 { close(fd) }
                    continuation.resume(throwing: HostileTreeError(what: "setfsuid(\(uid)) had no effect on \(probe)", code: EPERM))
                    return
                }
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
