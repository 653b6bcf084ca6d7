import JobletCore
import Testing

/// Every number and list from the wire is range-checked where it is decoded, with the field path and
/// the allowed range in the error (issue 12): a value past these once crashed workers or lifted limits.
@Suite struct WireRangeTests {
    static let hostileRequests: [(json: String, field: String)] = [
        (#"{"command":["true"],"limits":{"memory":"1000T"}}"#, "limits.memory: 1000T is out of range; give 4M to 64T"),
        (#"{"command":["true"],"limits":{"memory":1}}"#, "limits.memory: 1 is out of range"),
        (#"{"command":["true"],"limits":{"io_bps":"2T"}}"#, "limits.io_bps: 2T is out of range; give 1K to 1T"),
        (#"{"command":["true"],"limits":{"disk":"1M"}}"#, "limits.disk: 1M is out of range; give 16M to 64T"),
        (#"{"command":["true"],"limits":{"output":"2T"}}"#, "limits.output: 2T is out of range; give 1K to 1T"),
        (#"{"command":["true"],"limits":{"net_bps":"1T"}}"#, "limits.net_bps: 1T is out of range; give 1K to 100G"),
        (#"{"command":["true"],"limits":{"cpu_percent":1000000}}"#, "limits.cpu_percent: 1000000 is out of range"),
        (#"{"command":["true"],"limits":{"pids":0}}"#, "limits.pids: 0 is out of range"),
        (#"{"command":["true"],"limits":{"timeout":0}}"#, "limits.timeout: 0s is out of range"),
        (#"{"command":["true"],"runtime":"\#(String(repeating: "p", count: 200))"}"#, "runtime: must be 1-128 characters"),
        (#"{"command":["true"],"priority":99}"#, "priority: 99 is out of range"),
        (#"{"command":["true"],"network":"\#(String(repeating: "n", count: 33))"}"#, "network: \"nnn"),
        (#"{"command":["true"],"network":"../etc"}"#, "network: \"../etc\" is not a network"),
    ]

    @Test(arguments: hostileRequests)
    func outOfRangeRequestsNameTheFieldAndRange(json: String, field: String) throws {
        let request = try JSONCodec.decode(JobRequest.self, from: Array(json.utf8))
        #expect {
            try request.validate()
        } throws: { error in
            (error as? JobletError)?.message.hasPrefix(field) == true
        }
    }

    @Test func commandsAndEnvironmentsAreBounded() {
        let many = JobRequest(command: Array(repeating: "x", count: JobRequest.maxArguments + 1))
        #expect(throws: JobletError.self) { try many.validate() }
        let huge = JobRequest(command: ["echo", String(repeating: "x", count: 2 << 20)])
        #expect {
            try huge.validate()
        } throws: { error in
            (error as? JobletError)?.message.hasPrefix("command and env: 2.0M is over 1M") == true
        }
        let env = Dictionary(uniqueKeysWithValues: (0...JobRequest.maxEnvironment).map { ("V\($0)", "1") })
        #expect(throws: JobletError.self) { try JobRequest(command: ["true"], env: env).validate() }
        let volumes = (0...JobRequest.maxVolumes).map { "v\($0)" }
        #expect(throws: JobletError.self) { try JobRequest(command: ["true"], volumes: volumes).validate() }
        // The largest values in range pass.
        let edge = JobRequest(
            command: ["true"],
            limits: JobLimits(
                memory: JobLimits.memoryRange.upperBound, cpuPercent: 100_000, ioBytesPerSecond: JobLimits.ioBytesPerSecondRange.upperBound,
                pids: JobLimits.maxPids, timeout: JobLimits.maxTimeout, disk: JobLimits.diskRange.upperBound,
                output: JobLimits.outputRange.upperBound))
        #expect(throws: Never.self) { try edge.validate() }
    }

    @Test func limitsFillAndCompareFieldByField() {
        let defaults = JobLimits(memory: ByteSize(bytes: 1 << 30), pids: 1024)
        let asked = JobLimits(pids: 10, disk: ByteSize(bytes: 1 << 30))
        #expect(asked.filled(from: defaults) == JobLimits(memory: ByteSize(bytes: 1 << 30), pids: 10, disk: ByteSize(bytes: 1 << 30)))
        let ceiling = JobLimits(pids: 4096, disk: ByteSize(bytes: 512 << 20))
        let excess = asked.firstExcess(over: ceiling)
        #expect(excess?.field == "limits.disk" && excess?.value == "1G" && excess?.ceiling == "512M")
        #expect(JobLimits(pids: 4096).firstExcess(over: ceiling) == nil)
    }

    static func advert() -> WorkerAdvert {
        WorkerAdvert(
            workerID: "joblet-worker-a", hostname: "a", arch: "x86_64", kernel: "6.1", cgroupMode: "v2",
            status: .online, runtimes: [], queues: [], slotsTotal: 4, slotsFree: 4, memoryTotal: 8 << 30,
            memoryAvailable: 4 << 30, load1: 0.5, version: "1", time: 1_700_000_000, interval: 5,
            runningJobs: [], metrics: WorkerMetrics())
    }

    /// A worker user's advert that would make it immortal, infinitely large or flood the registry.
    @Test func hostileAdvertsAreInvalid() throws {
        try Self.advert().validate()
        var immortal = Self.advert(); immortal.interval = 1e300
        var slots = Self.advert(); slots.slotsFree = 5
        var negative = Self.advert(); negative.memoryTotal = -1
        var flood = Self.advert(); flood.queues = Array(repeating: "q", count: 2000)
        var limits = Self.advert(); limits.maxLimits = JobLimits(pids: 0)
        var name = Self.advert(); name.hostname = String(repeating: "h", count: 300)
        for (label, advert) in [
            ("interval", immortal), ("slots", slots), ("memory", negative), ("queues", flood),
            ("limits", limits), ("hostname", name),
        ] {
            #expect(throws: JobletError.self, "\(label)") { try advert.validate() }
        }
    }
}
