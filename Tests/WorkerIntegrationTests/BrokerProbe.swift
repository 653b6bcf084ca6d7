import AMQP
import JobletCore
import JobletMessaging
import TestSupport

/// The test's view of the broker, playing the dispatcher: logs in as the test process's dispatcher
/// user (TestUsers), declares the core topology (workers wait for it), publishes jobs and control
/// commands stamped with that user, and collects events, log chunks, adverts and dead letters
/// through its own queues.
final class BrokerProbe: Sendable {
    let connection: AMQPConnection
    let channel: AMQPChannel
    let events: String
    let logs: String
    let dead: String
    /// The users of this test process on this broker; `users.dispatcher` is who the probe is.
    let users: TestUsers.Fixed
    /// Who the probe's jobs name as their submitter (it leads their event and log routing keys).
    static let submitter = "tests"
    /// Declares the job queues workers' adverts call for, as the dispatcher does (workers may not).
    private let queueKeeper: Task<Void, Never>?
    /// The job queues the probe declared, for adverts and for its own publishes; nil when the test
    /// declares them itself.
    private let jobQueues: JobQueueDeclarations?

    /// `url`: the broker's guest URL (only for provisioning; the probe logs in as the dispatcher user).
    /// `durable`: named durable queues instead of exclusive ones, so events published while the
    /// probe is reconnecting after a broker restart are kept (the AMQP library re-binds them).
    /// `declaresJobQueues` false: the worker's queues exist only once the test declares them.
    init(url: String, durable: Bool = false, declaresJobQueues: Bool = true) async throws {
        users = try await TestUsers.shared.fixed(url: url)
        connection = try await Self.connect(as: users.dispatcher, name: "worker-tests")
        let channel = try await connection.openChannel()
        self.channel = channel
        try await channel.enableConfirms()
        try await Topology.declareCore(on: channel)
        _ = try await Topology.declareJobQueue(target: Topology.target(runtimeID: nil, arch: Architecture.host), on: channel)
        let jobQueues = declaresJobQueues ? JobQueueDeclarations(limit: 1024) : nil
        self.jobQueues = jobQueues
        if let jobQueues {
            queueKeeper = try await Self.keepJobQueues(jobQueues, on: connection)
        } else {
            queueKeeper = nil
        }
        // The dispatcher user may configure only joblet.* (and server-named amq.gen-*) queues.
        let prefix = "joblet.t.probe.\(JobID.generate().prefix(8))"
        func queue(_ suffix: String) async throws -> String {
            if durable { return try await channel.declareQueue("\(prefix).\(suffix)", durable: true).name }
            return try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        }
        events = try await queue("events")
        try await channel.bindQueue(events, exchange: Topology.eventsExchange, routingKey: "#")
        logs = try await queue("logs")
        try await channel.bindQueue(logs, exchange: Topology.logsExchange, routingKey: "#")
        dead = try await queue("dead")
        try await channel.bindQueue(dead, exchange: Topology.deadLetterExchange, routingKey: "")
    }

    /// A connection logged in as `user`; `identify`: stamp publishes with user_id (as Joblet does).
    static func connect(as user: BrokerRoles.User, name: String, identify: Bool = true) async throws -> AMQPConnection {
        var configuration = AMQPConfiguration(url: user.url, connectionName: name)
        configuration.identifyPublishes = identify
        return try await AMQPConnection.connect(configuration)
    }

    /// Waits until the probe's connection is back after a broker restart.
    func waitUntilConnected(timeout: Duration = .seconds(60)) async {
        let end = ContinuousClock.now + timeout
        while !connection.isConnected, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    func close() async {
        queueKeeper?.cancel()
        await connection.close()
    }

    /// The dispatcher's part the tests need from it: every advert's job queues declared, with the
    /// dispatcher's own code (JobQueueDeclarations), until the probe closes.
    private static func keepJobQueues(_ declarations: JobQueueDeclarations, on connection: AMQPConnection) async throws -> Task<Void, Never> {
        let channel = try await connection.openChannel()
        let adverts = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try await channel.bindQueue(adverts, exchange: Topology.eventsExchange, routingKey: Topology.advertFollowAllKey)
        let consumer = try await channel.consume(queue: adverts, bodyLimit: BodyLimits.advert)
        return Task {
            do {
                for try await delivery in consumer {
                    try await channel.ack(delivery)
                    guard let advert = try? Envelope.decode(WorkerAdvert.self, from: delivery, expectedType: MessageType.workerAdvert),
                        advert.status != .offline
                    else { continue }
                    _ = try await declarations.ensure(for: advert, on: channel)
                }
            } catch {
                // The connection closed: nothing left to declare for.
            }
        }
    }

    /// Publishes a job straight to `joblet.jobs` (as the dispatcher does) and returns its id.
    @discardableResult
    func submit(_ command: [String], runtimeID: String? = nil, limits: JobLimits? = nil, maxAttempts: Int = 2) async throws -> String {
        let id = JobID.generate()
        let message = JobMessage(
            jobID: id, runtimeID: runtimeID, request: JobRequest(command: command, limits: limits),
            submitter: Self.submitter, submittedAt: Clock.now, maxAttempts: maxAttempts)
        try await publishJob(message, target: Topology.target(runtimeID: runtimeID, arch: Architecture.host))
        return id
    }

    /// Publishes `message` to `target`, first declaring its queue as the dispatcher's routing does:
    /// a job published before any advert called for the queue is kept, not dropped as unroutable.
    func publishJob(_ message: JobMessage, target: String) async throws {
        try await jobQueues?.ensure(target, on: channel)
        try await publishRaw(Envelope.encode(message), target: target, type: MessageType.job)
    }

    func publishRaw(
        _ body: [UInt8], target: String, type: String?, messageID: String? = nil,
        contentType: String? = "application/json"
    ) async throws {
        var properties = Envelope.properties(type: type ?? "", messageID: messageID)
        if type == nil { properties.type = nil }
        properties.contentType = contentType
        try await channel.publish(body, exchange: Topology.jobsExchange, routingKey: target, properties: properties)
    }

    func control(_ command: ControlCommand, workerID: String) async throws {
        try await channel.publish(
            Envelope.encode(command), exchange: Topology.controlExchange,
            routingKey: Topology.controlRoutingKey(workerID: workerID),
            properties: Envelope.properties(type: MessageType.control, persistent: false))
    }

    /// Drains `queue` until `done` returns true for what was collected, or the deadline passes.
    func collect(_ queue: String, timeout: Duration = .seconds(60), until done: ([Delivery]) -> Bool) async throws -> [Delivery] {
        var collected: [Delivery] = []
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let delivery = try await channel.get(queue: queue) {
                try await channel.ack(delivery)
                collected.append(delivery)
                if done(collected) { break }
            } else {
                if done(collected) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return collected
    }

    /// Job events for `jobIDs` until each has a terminal one.
    func jobEvents(for jobIDs: Set<String>, timeout: Duration = .seconds(60)) async throws -> [JobEvent] {
        var events: [JobEvent] = []
        _ = try await collect(self.events, timeout: timeout) { deliveries in
            events = deliveries.compactMap { delivery in
                guard delivery.routingKey.hasPrefix("job.") else { return nil }
                return try? JSONCodec.decode(JobEvent.self, from: delivery.body)
            }.filter { jobIDs.contains($0.jobID) }
            let finished = Set(events.filter { $0.state.isTerminal }.map(\.jobID))
            return finished.isSuperset(of: jobIDs)
        }
        return events
    }

    /// `job.<submitter>.<id>.<state>` of one of the probe's jobs.
    static func eventKey(_ jobID: String, _ state: JobState) -> String {
        Topology.eventRoutingKey(submitter: submitter, jobID: jobID, state: state)
    }

    /// Waits until `workerID` advertises the host queue and is its only consumer (workers of earlier
    /// tests stop in the background), so a job published now reaches that worker. False on timeout.
    func waitUntilSoleHostConsumer(_ workerID: String, timeout: Duration = .seconds(60)) async throws -> Bool {
        let queue = Topology.jobQueue(runtimeID: nil, arch: Architecture.host)
        guard try await advert(of: workerID, timeout: timeout, where: { $0.queues.contains(queue) }) != nil else { return false }
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try await channel.inspectQueue(queue).consumerCount == 1 { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
