import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport

/// What the slot tests share: tiny runtimes whose job queues no other test consumes, jobs that wait
/// for a gate the test opens, and the broker's own count of a worker's unacknowledged deliveries.
enum SlotFixture {
    /// A runtimes base dir with one static runtime per name (a `bin` mount, nothing else), so each
    /// name gets a queue of its own. Names look like `slotsab12cd-1.0`.
    static func runtimes(_ count: Int) throws -> (base: String, ids: [String]) {
        try QueueRuntimes.make(count, language: "slots", description: "worker slot tests: a queue of its own")
    }

    /// A job of runtime `id` that runs until the test opens its gate (`open`): it waits for a file in
    /// the runtime's read-only mount (gives up, failing, after ~60 s).
    static let untilOpen = [
        "sh", "-c",
        """
        i=0
        while [ ! -e /opt/slots/bin/go ]; do
          i=$((i+1)); [ $i -ge 1200 ] && exit 9; sleep 0.05
        done
        """,
    ]

    /// Lets every job of runtime `id` waiting in `untilOpen` finish.
    static func open(base: String, id: String) {
        _ = FileManager.default.createFile(atPath: "\(base)/slots/\(id)/bin/go", contents: nil)
    }

    /// The broker's count of unacknowledged deliveries on every channel of `user` (rabbitmqctl
    /// list_channels; run off the cooperative pool).
    static func unacknowledged(user: String, brokerURL: String) async throws -> Int {
        let output: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        try BrokerRoles.rabbitmqctl(
                            ["list_channels", "user", "messages_unacknowledged", "-q", "--no-table-headers"],
                            brokerURL: brokerURL)
                    })
            }
        }
        return output.split(separator: "\n").reduce(0) { total, line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count == 2, fields[0] == user, let count = Int(fields[1]) else { return total }
            return total + count
        }
    }
}

extension BrokerProbe {
    /// Declares the job queue of `runtimeID` (as the dispatcher does), so jobs can wait in it
    /// before any worker consumes it.
    func declareJobQueue(runtimeID: String) async throws -> String {
        try await Topology.declareJobQueue(target: Topology.target(runtimeID: runtimeID, arch: Architecture.host), on: channel)
    }

    /// The `running` events of `jobIDs` until `count` of them arrived (fewer on timeout). Events of
    /// other jobs read meanwhile are dropped.
    func runningEvents(of jobIDs: Set<String>, count: Int, timeout: Duration = .seconds(60)) async throws -> [JobEvent] {
        let keys = Set(jobIDs.map { Self.eventKey($0, .running) })
        return try await collect(events, timeout: timeout) { deliveries in
            deliveries.filter { keys.contains($0.routingKey) }.count >= count
        }.filter { keys.contains($0.routingKey) }.compactMap { try? JSONCodec.decode(JobEvent.self, from: $0.body) }
    }
}
