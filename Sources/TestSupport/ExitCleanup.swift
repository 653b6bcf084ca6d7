import Foundation
import Synchronization

/// Broker nodes to stop and scratch directories (test certificates) to remove when the test
/// process exits (atexit), so nothing outlives the run.
enum ExitCleanup {
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
                for dir in ExitCleanup.directories.withLock({ $0 }) {
                    try? FileManager.default.removeItem(atPath: dir)
                }
            }
        }
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
