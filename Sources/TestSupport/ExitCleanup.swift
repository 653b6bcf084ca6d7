import Foundation
import JobletCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Broker nodes to stop and scratch directories (test certificates, `ScratchPath`s) to remove when
/// the test process exits (atexit), so nothing outlives the run.
///
/// The directories go through `TreeRemoval`, which refuses to enter a mount: a test that failed with
/// a runtime or volume still bind-mounted under its scratch dir leaves that dir, never emptying the
/// mounted source. `JOBLET_KEEP_TEST_FILES=1` keeps every one of them, naming each on stderr, to
/// inspect a failing run.
enum ExitCleanup {
    /// Set to `1`: keep the scratch directories at exit and print their paths.
    static let keepVariable = "JOBLET_KEEP_TEST_FILES"

    private static let names = Mutex<[String]>([])
    private static let directories = Mutex<[String]>([])
    private static let installed = Atomic<Bool>(false)

    static func register(_ name: String) {
        names.withLock { $0.append(name) }
        installHook()
    }

    static func registerDirectory(_ path: String) {
        directories.withLock { $0.append(path) }
        installHook()
    }

    private static func installHook() {
        if installed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            atexit {
                for name in ExitCleanup.takeAll() {
                    _ = try? BrokerScript.runBlocking(["stop", "--name", name])
                }
                // After the nodes: a running node reads its certificates from these.
                let keep = ExitCleanup.keeps(ProcessInfo.processInfo.environment)
                for path in ExitCleanup.clean(ExitCleanup.directories.withLock { $0 }, keep: keep) {
                    FileHandle.standardError.write(Data("\(ExitCleanup.keepVariable)=1: kept \(path)\n".utf8))
                }
            }
        }
    }

    /// Whether `JOBLET_KEEP_TEST_FILES=1` asks to keep the scratch directories.
    static func keeps(_ environment: [String: String]) -> Bool {
        environment[keepVariable] == "1"
    }

    /// Removes each of `paths` (ignoring errors: one a mount keeps is left), or with `keep` leaves them
    /// and returns those that exist, to be named.
    static func clean(_ paths: [String], keep: Bool) -> [String] {
        guard keep else {
            for path in paths { try? TreeRemoval.remove(path) }
            return []
        }
        var info = stat()
        return paths.filter { lstat($0, &info) == 0 }
    }

    static func forget(_ name: String) {
        names.withLock { $0.removeAll { $0 == name } }
    }

    static func takeAll() -> [String] {
        names.withLock { n in
            defer { n.removeAll() }
            return n
        }
    }
}
