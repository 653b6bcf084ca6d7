// json-bench: the JSON a dispatcher handles per job (a submission decoded, the job message encoded, a
// worker's terminal event decoded and the recorded event encoded), in ns per message, through
// JobletCore.JSONCodec and, as the baseline measured in the same run, Foundation's JSONDecoder and
// JSONEncoder on the same bytes and values. Rounds alternate which coder goes first; each figure is the
// median over the rounds with its spread (min..max).
// Usage: json-bench [messages per round (20000)] [rounds (7)] [CASE joblet|foundation]
//   With CASE (1-4) and a coder, only that one runs, once: to compare two builds in alternating runs, or
//   under `perf stat -e instructions:u` where the machine has hardware counters (this VM has none).
import Foundation
import JobletCore

let arguments = CommandLine.arguments
let perRound = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 7 : 7
let only: (index: Int, joblet: Bool)? = arguments.count > 4 ? Int(arguments[3]).map { ($0 - 1, arguments[4] == "joblet") } : nil

let request: [UInt8] = Array(
    #"{"command":["python3","-c","print(42)"],"runtime":"python:3.11","env":{"MODE":"fast","LANG":"C.UTF-8"},"limits":{"memory":"512M","cpu_percent":100,"timeout":"5m"},"name":"answer"}"#
        .utf8)
let event = JobEvent(
    jobID: "3f2a9c0e5b7d41f68a2c9e0b1d3f5a7c", state: .completed, time: 1_796_300_000.25, workerID: "joblet-worker-a1",
    attempt: 1,
    result: JobResult(
        exitCode: 0, startedAt: 1_796_299_999.5, finishedAt: 1_796_300_000.25,
        accounting: Accounting(cpuUsec: 1234, userUsec: 800, systemUsec: 434, memoryPeakBytes: 3_145_728, pidsPeak: 1),
        workerID: "joblet-worker-a1", attempt: 1, logChunks: 0),
    impliesRunning: true)

struct Case {
    let name: String
    let joblet: () throws -> Void
    let foundation: () throws -> Void
}

func cases() throws -> [Case] {
    let eventBytes = try JSONCodec.encode(event)
    let parsedRequest = try JSONCodec.decode(JobRequest.self, from: request)
    let message = JobMessage(
        jobID: event.jobID, runtimeID: "python-3.11@x86_64", request: parsedRequest, submitter: "alice",
        submittedAt: 1_796_299_999.0, maxAttempts: 3)
    let decoder = JSONDecoder()
    let encoder = JSONEncoder()
    let requestData = Data(request)
    let eventData = Data(eventBytes)
    return [
        Case(
            name: "decode JobRequest (a submission)",
            joblet: { _ = try JSONCodec.decode(JobRequest.self, from: request) },
            foundation: { _ = try decoder.decode(JobRequest.self, from: requestData) }),
        Case(
            name: "encode JobMessage (the job published)",
            joblet: { _ = try JSONCodec.encode(message) },
            foundation: { _ = try encoder.encode(message) }),
        Case(
            name: "decode JobEvent (a worker's end)",
            joblet: { _ = try JSONCodec.decode(JobEvent.self, from: eventBytes) },
            foundation: { _ = try decoder.decode(JobEvent.self, from: eventData) }),
        Case(
            name: "encode JobEvent (the recorded end)",
            joblet: { _ = try JSONCodec.encode(event) },
            foundation: { _ = try encoder.encode(event) }),
    ]
}

/// This thread's CPU time: on a shared VM, wall time also counts the moments another guest ran.
func threadCPUNanoseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
}

func nanosecondsPerMessage(_ body: () throws -> Void) rethrows -> Double {
    let start = threadCPUNanoseconds()
    for _ in 0..<perRound { try body() }
    return (threadCPUNanoseconds() - start) / Double(perRound)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let all = try cases()
if let only {
    guard all.indices.contains(only.index) else { fatalError("json-bench: CASE is 1-\(all.count)") }
    let item = all[only.index]
    let ns = try nanosecondsPerMessage(only.joblet ? item.joblet : item.foundation)
    print("\(item.name), \(only.joblet ? "JSONCodec" : "Foundation"): \(Int(ns)) ns per message")
    exit(0)
}
print("json-bench: \(perRound) messages per round, \(rounds) rounds; ns per message, median (min..max)")
print("case".padding(toLength: 40, withPad: " ", startingAt: 0) + "  JSONCodec              Foundation             ratio")
for item in all {
    var ours: [Double] = []
    var theirs: [Double] = []
    _ = try nanosecondsPerMessage(item.joblet)  // warm-up: metadata caches, allocator
    _ = try nanosecondsPerMessage(item.foundation)
    for round in 0..<rounds {
        if round % 2 == 0 {
            ours.append(try nanosecondsPerMessage(item.joblet))
            theirs.append(try nanosecondsPerMessage(item.foundation))
        } else {
            theirs.append(try nanosecondsPerMessage(item.foundation))
            ours.append(try nanosecondsPerMessage(item.joblet))
        }
    }
    func show(_ values: [Double]) -> String {
        let text = String(format: "%6.0f (%.0f..%.0f)", median(values), values.min() ?? 0, values.max() ?? 0)
        return text.padding(toLength: 22, withPad: " ", startingAt: 0)
    }
    print(
        item.name.padding(toLength: 40, withPad: " ", startingAt: 0) + "  " + show(ours) + " " + show(theirs)
            + String(format: " %.2f", median(ours) / median(theirs)))
}
