import Foundation
import Synchronization

/// Broker nodes to stop when the test process exits (atexit), so no node outlives the run.
enum ExitCleanup {
    private static let names = Mutex<[String]>([])
    private static let installed = Atomic<Bool>(false)

    static func register(_ name: String) {
        names.withLock { $0.append(name) }
        if installed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            atexit {
                for name in ExitCleanup.takeAll() {
                    _ = try? BrokerScript.runBlocking(["stop", "--name", name])
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
