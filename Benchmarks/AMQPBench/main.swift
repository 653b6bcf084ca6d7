// amqp-bench: publish-with-confirms and consume-with-ack throughput of the Swift AMQP library,
// printed beside the same loop written directly against librabbitmq in C (CAMQPBaseline),
// measured in the same run against the same broker.
//
//   amqp-bench [--url amqp://guest:guest@127.0.0.1:5672/] [-n 10000] [--rounds 5] [--size 256]
//              [--window 256] [--prefetch 256] [--only classic|quorum]
//   (the URL also comes from JOBLET_AMQP_URL)
//
// The machine may be shared: Swift and C runs are interleaved (the order alternates every round),
// each figure is the median over the rounds, and the spread (min-max of the per-round ratio) is shown.
import AMQP
import CAMQPBaseline
import Foundation

struct Options {
    var url = ProcessInfo.processInfo.environment["JOBLET_AMQP_URL"] ?? ""
    var count = 10_000
    var rounds = 5
    var kinds = [false, true]
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
            case "--rounds": rounds = max(1, it.next().flatMap(Int.init) ?? rounds)
            case "--only": kinds = it.next() == "quorum" ? [true] : [false]
            default:
                FileHandle.standardError.write(Data("unknown argument \(a)\n".utf8))
                exit(2)
            }
        }
    }
}

/// Messages per second and process CPU microseconds per message (user+sys, all threads) per phase.
/// CPU per message is what the Swift layer adds and is far less sensitive to a busy machine.
struct Rates { var publish: Double; var consume: Double; var publishCPU: Double; var consumeCPU: Double }

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

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
    let cpu0 = cpuSeconds()
    let publishTime = try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<o.count {
                if i >= o.window { try await group.next() }
                group.addTask {
                    try await ch.publish(
                        body, exchange: "", routingKey: queue,
                        properties: BasicProperties(deliveryMode: .persistent, messageID: String(i)))
                }
            }
            try await group.waitForAll()
        }
    }
    let publishCPU = cpuSeconds() - cpu0
    try await ch.qos(prefetchCount: o.prefetch)
    let consumer = try await ch.consume(queue: queue)
    var received = 0
    let cpu1 = cpuSeconds()
    let consumeTime = try await clock.measure {
        for try await d in consumer {
            try await ch.ack(d)
            received += 1
            if received == o.count { break }
        }
    }
    let consumeCPU = cpuSeconds() - cpu1
    try await ch.cancel(consumerTag: consumer.consumerTag)
    try await ch.deleteQueue(queue)
    await conn.close()
    let n = Double(o.count)
    return Rates(
        publish: n / seconds(publishTime), consume: n / seconds(consumeTime),
        publishCPU: publishCPU / n * 1e6, consumeCPU: consumeCPU / n * 1e6)
}

func cRun(_ o: Options, queue: String, quorum: Bool) throws -> Rates {
    var r = joblet_baseline_result()
    let rc = joblet_baseline_run(
        o.url, queue, quorum ? 1 : 0, Int32(o.count), Int32(o.size),
        Int32(o.window), Int32(o.prefetch), &r)
    guard rc == 0 else {
        let msg = withUnsafeBytes(of: r.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        throw AMQPError(.protocolError, "C baseline failed: \(msg)")
    }
    let n = Double(o.count)
    return Rates(
        publish: r.publish_per_second, consume: r.consume_per_second,
        publishCPU: r.publish_cpu_seconds / n * 1e6, consumeCPU: r.consume_cpu_seconds / n * 1e6)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

let options = Options(arguments: CommandLine.arguments)
guard !options.url.isEmpty else {
    print("usage: amqp-bench --url amqp://guest:guest@127.0.0.1:5672/ [-n 10000] [--rounds 5] (or set JOBLET_AMQP_URL)")
    exit(2)
}
print(
    "amqp-bench: \(options.count) persistent messages of \(options.size) B, confirm window \(options.window), "
        + "prefetch \(options.prefetch), \(options.rounds) interleaved rounds (medians; ratio spread = min..max per round)")
print("")
print("queue    phase            Swift msg/s      C msg/s   Swift/C   ratio spread   CPU µs/msg Swift    C")
let pid = getpid()
for quorum in options.kinds {
    let kind = quorum ? "quorum " : "classic"
    var swiftRates: [Rates] = [], cRates: [Rates] = []
    for round in 0..<options.rounds {
        // Alternate who goes first so a slow phase of the shared machine hits both sides alike.
        let swiftFirst = round % 2 == 1
        if swiftFirst { swiftRates.append(try await swiftRun(options, queue: "bench.swift.\(kind).\(pid).\(round)", quorum: quorum)) }
        cRates.append(try cRun(options, queue: "bench.c.\(kind).\(pid).\(round)", quorum: quorum))
        if !swiftFirst { swiftRates.append(try await swiftRun(options, queue: "bench.swift.\(kind).\(pid).\(round)", quorum: quorum)) }
    }
    for (phase, pick, cpu) in [
        ("publish+confirm", \Rates.publish, \Rates.publishCPU),
        ("consume+ack    ", \Rates.consume, \Rates.consumeCPU),
    ] {
        let sv = swiftRates.map { $0[keyPath: pick] }, cv = cRates.map { $0[keyPath: pick] }
        let ratios = zip(sv, cv).map { $0 / $1 }
        print(
            String(
                format: "%@  %@  %11.0f  %11.0f   %6.2f   %4.2f..%4.2f   %16.1f %6.1f", kind, phase,
                median(sv), median(cv), median(ratios), ratios.min() ?? 0, ratios.max() ?? 0,
                median(swiftRates.map { $0[keyPath: cpu] }), median(cRates.map { $0[keyPath: cpu] })))
    }
}
