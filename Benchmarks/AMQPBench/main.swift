// amqp-bench: publish-with-confirms and consume-with-ack throughput of the Swift AMQP library,
// printed beside the same loop written directly against librabbitmq in C (CAMQPBaseline),
// measured in the same run against the same broker.
//
//   amqp-bench [--url amqp://guest:guest@127.0.0.1:5672/] [-n 20000] [--size 256] [--window 256] [--prefetch 256]
//   (the URL also comes from JOBLET_AMQP_URL)
import AMQP
import CAMQPBaseline
import Foundation

struct Options {
    var url = ProcessInfo.processInfo.environment["JOBLET_AMQP_URL"] ?? ""
    var count = 20_000
    var size = 256
    var window = 256
    var prefetch: UInt16 = 256

    init(arguments: [String]) {
        var it = arguments.dropFirst().makeIterator()
        while let a = it.next() {
            switch a {
            case "--url": url = it.next() ?? url
            case "-n", "--count": count = it.next().flatMap(Int.init) ?? count
            case "--size": size = it.next().flatMap(Int.init) ?? size
            case "--window": window = it.next().flatMap(Int.init) ?? window
            case "--prefetch": prefetch = it.next().flatMap(UInt16.init) ?? prefetch
            default:
                FileHandle.standardError.write(Data("unknown argument \(a)\n".utf8))
                exit(2)
            }
        }
    }
}

struct Rates { var publish: Double; var consume: Double }

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func swiftRun(_ o: Options, queue: String, quorum: Bool) async throws -> Rates {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: o.url, connectionName: "amqp-bench"))
    let ch = try await conn.openChannel()
    try await ch.declareQueue(queue, durable: true, arguments: quorum ? ["x-queue-type": .string("quorum")] : [:])
    try await ch.enableConfirms()
    let body = [UInt8](repeating: UInt8(ascii: "x"), count: o.size)
    let clock = ContinuousClock()
    let publishTime = try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<o.count {
                if i >= o.window { try await group.next() }
                group.addTask {
                    try await ch.publish(body, exchange: "", routingKey: queue,
                                         properties: BasicProperties(deliveryMode: .persistent, messageID: String(i)))
                }
            }
            try await group.waitForAll()
        }
    }
    try await ch.qos(prefetchCount: o.prefetch)
    let consumer = try await ch.consume(queue: queue)
    var received = 0
    let consumeTime = try await clock.measure {
        for try await d in consumer {
            try await ch.ack(d)
            received += 1
            if received == o.count { break }
        }
    }
    try await ch.cancel(consumerTag: consumer.consumerTag)
    try await ch.deleteQueue(queue)
    await conn.close()
    return Rates(publish: Double(o.count) / seconds(publishTime), consume: Double(o.count) / seconds(consumeTime))
}

func cRun(_ o: Options, queue: String, quorum: Bool) throws -> Rates {
    var r = joblet_baseline_result()
    let rc = joblet_baseline_run(o.url, queue, quorum ? 1 : 0, Int32(o.count), Int32(o.size),
                                 Int32(o.window), Int32(o.prefetch), &r)
    guard rc == 0 else {
        let msg = withUnsafeBytes(of: r.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        throw AMQPError(.protocolError, "C baseline failed: \(msg)")
    }
    return Rates(publish: r.publish_per_second, consume: r.consume_per_second)
}

let options = Options(arguments: CommandLine.arguments)
guard !options.url.isEmpty else {
    print("usage: amqp-bench --url amqp://guest:guest@127.0.0.1:5672/ [-n 20000] (or set JOBLET_AMQP_URL)")
    exit(2)
}
print("amqp-bench: \(options.count) persistent messages of \(options.size) B, confirm window \(options.window), prefetch \(options.prefetch)")
print("")
print("queue    phase              Swift msg/s      C msg/s   Swift/C")
let pid = getpid()
for quorum in [false, true] {
    let kind = quorum ? "quorum " : "classic"
    let c = try cRun(options, queue: "bench.c.\(kind).\(pid)", quorum: quorum)
    let s = try await swiftRun(options, queue: "bench.swift.\(kind).\(pid)", quorum: quorum)
    for (phase, sv, cv) in [("publish+confirm", s.publish, c.publish), ("consume+ack    ", s.consume, c.consume)] {
        print(String(format: "%@  %@  %11.0f  %11.0f   %6.2f", kind, phase, sv, cv, sv / cv))
    }
}
