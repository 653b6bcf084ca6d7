import Foundation
import Testing
import TestSupport

/// `rnx run` follows a job through a prefetch window: while its stdout is not read, the broker holds
/// at most the window unacked for it, the rest waits in its queue, and all of it arrives afterwards.
@Suite(.integration(needs: [.root, .brokerNodes]), .timeLimit(.minutes(10)))
struct RNXFollowWindowTests {
    /// The window rnx asks for (FollowSubscription.prefetch).
    static let window = 64

    struct QueueDepth { var ready: Int; var unacked: Int }

    /// Server-named queues (followers' queues) and their depths.
    func followerQueues(_ cluster: LocalCluster) throws -> [String: QueueDepth] {
        let text = try BrokerRoles.rabbitmqctl(
            [
                "list_queues", "-q", "--no-table-headers", "name", "messages_ready",
                "messages_unacknowledged",
            ], brokerURL: cluster.url)
        var queues: [String: QueueDepth] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 3, fields[0].hasPrefix("amq.gen-"),
                let ready = Int(fields[1]), let unacked = Int(fields[2])
            else { continue }
            queues[String(fields[0])] = QueueDepth(ready: ready, unacked: unacked)
        }
        return queues
    }

    @Test("a follower that stops reading holds at most its window unacked; then every byte arrives")
    func unreadOutputWaitsOnTheBrokerWithinTheWindow() async throws {
        let cluster = try await LocalCluster.shared()
        let total = 60_000_000
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LocalCluster.rnxPath)
        process.arguments = ["run", "--", "head", "-c", "\(total)", "/dev/zero"]
        process.environment = ProcessInfo.processInfo.environment.merging(cluster.environment()) { _, given in given }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()

        // Nobody reads rnx's stdout yet: once the pipe is full rnx stops reading deliveries.
        var maxUnacked = 0
        var waiting = 0
        for _ in 0..<120 where waiting == 0 {
            for depth in try followerQueues(cluster).values {
                maxUnacked = max(maxUnacked, depth.unacked)
                waiting = max(waiting, depth.ready)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(waiting > 0, "no follower queue ever had chunks waiting: the test did not hold rnx back")
        #expect(maxUnacked <= Self.window, "\(maxUnacked) unacked deliveries to one follower")

        // Read to the byte count, not to EOF: a process started elsewhere may hold the pipe's write end.
        var received = 0
        while received < total {
            let data = stdout.fileHandleForReading.availableData
            if data.isEmpty { break }
            #expect(data.allSatisfy { $0 == 0 })
            received += data.count
        }
        process.waitUntilExit()
        #expect(received == total)
        #expect(process.terminationStatus == 0)
    }
}
