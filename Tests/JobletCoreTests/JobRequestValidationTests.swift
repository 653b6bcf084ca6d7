import Testing
@testable import JobletCore

@Suite("Job request validation names the field and the fix")
struct JobRequestValidationTests {
    private func message(_ request: JobRequest) -> String? {
        do {
            try request.validate()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func acceptsATypicalRequest() throws {
        let request = JobRequest(
            command: ["python", "app.py"], runtime: "python:3.11+ml", arch: "amd64",
            env: ["MODE": "fast"], volumes: ["pip-cache"],
            limits: JobLimits(
                memory: ByteSize(bytes: 512 << 20), cpuPercent: 150, cpuCores: "0-1",
                pids: 100, timeout: JobDuration(seconds: 600)),
            priority: 5)
        #expect(message(request) == nil)
    }

    @Test func rejectsEachBadField() {
        #expect(message(JobRequest(command: []))?.hasPrefix("command: must not be empty") == true)
        #expect(message(JobRequest(command: ["x"], env: ["1BAD": "v"]))?.hasPrefix("env.1BAD: not a valid variable name") == true)
        #expect(message(JobRequest(command: ["x"], env: ["JOB_ID": "v"]))?.hasPrefix("env.JOB_ID: is set by Joblet") == true)
        #expect(message(JobRequest(command: ["x"], volumes: ["../etc"]))?.hasPrefix("volumes: \"../etc\" is not a valid volume name") == true)
        #expect(message(JobRequest(command: ["x"], priority: 10))?.hasPrefix("priority: 10 is out of range") == true)
        #expect(message(JobRequest(command: ["x"], arch: "sparc"))?.hasPrefix("arch: \"sparc\" is not known") == true)
        #expect(message(JobRequest(command: ["x"], limits: JobLimits(cpuCores: "1-0")))?.hasPrefix("limits.cpu_cores:") == true)
        #expect(message(JobRequest(command: ["x"], limits: JobLimits(memory: ByteSize(bytes: 1024))))?.hasPrefix("limits.memory:") == true)
        #expect(message(JobRequest(command: ["x"], upload: JobUpload(data: "%%%")))?.hasPrefix("upload.data: expected base64") == true)
    }

    @Test func refusesUploadsOverTheInlineLimit() throws {
        let big = JobUpload(archive: [UInt8](repeating: 7, count: 3 << 20))
        #expect(throws: JobletError.self) { try JobRequest(command: ["x"], upload: big).validate(maxUploadBytes: 1 << 20) }
        try JobRequest(command: ["x"], upload: big).validate(maxUploadBytes: 4 << 20)
    }

    @Test(arguments: ["0", "0-3", "0,2", "0-1,4"]) func acceptsCPULists(list: String) {
        #expect(JobLimits.isValidCPUList(list))
    }

    @Test(arguments: ["", "a", "3-1", "0,,1", "-1", "0-"]) func rejectsBadCPULists(list: String) {
        #expect(!JobLimits.isValidCPUList(list))
    }

    @Test func normalisesArchitectureAliases() {
        #expect(Architecture.normalize("amd64") == "x86_64")
        #expect(Architecture.normalize("ARM64") == "aarch64")
        #expect(Architecture.normalize("mips") == nil)
        #expect(Architecture.normalize(Architecture.host) != nil)
    }

    @Test func jobIDsAreUniqueHex() {
        let ids = Set((0..<1000).map { _ in JobID.generate() })
        #expect(ids.count == 1000)
        #expect(ids.allSatisfy { JobID.isComplete($0) && JobID.isPlausiblePrefix($0) })
        // Every one of the 32 digits is drawn, none fixed or repeated from another: over 1,000 ids each
        // position takes (nearly) all 16 values, and the two halves are never equal.
        let rows = ids.map { Array($0.utf8) }
        for position in 0..<32 { #expect(Set(rows.map { $0[position] }).count >= 12, "digit \(position)") }
        #expect(rows.allSatisfy { $0[0..<16] != $0[16..<32] })
    }

    /// Ids name files, queues and routing keys: only ASCII `0-9a-f` passes, never the fullwidth digits
    /// `Character.isHexDigit` takes, upper case or a wrong length.
    @Test func jobIDChecksTakeOnlyASCIILowercaseHex() {
        let id = JobID.generate()
        let fullwidth = String(id.dropLast()) + "\u{FF10}"  // FULLWIDTH DIGIT ZERO
        #expect(Character("\u{FF10}").isHexDigit)
        for bad in [fullwidth, id.uppercased(), String(id.dropLast()), id + "0", "", "3f2a-"] {
            #expect(!JobID.isComplete(bad), "\(bad)")
        }
        #expect(!JobID.isPlausiblePrefix("3f\u{FF10}a"))
        #expect(!JobID.isPlausiblePrefix(""))
        #expect(JobID.isPlausiblePrefix("3f2a"))
        #expect(!JobID.isPlausiblePrefix(id + "0"))
        #expect(Hex.isLowercase(String(repeating: "ab", count: 32), length: 64...64))
    }

    @Test func hexSpellsEveryByteWithTwoLowercaseDigits() {
        #expect(Hex.lowercase([0x00, 0x0f, 0xa5, 0xff, 0x10]) == "000fa5ff10")
        #expect(Hex.lowercase([UInt8]()) == "")
        let all = Hex.lowercase((0...255).map { UInt8($0) })
        #expect(Hex.isLowercase(all, length: 512...512))
    }

    @Test func topologyNamesFollowTheProtocol() {
        #expect(Topology.jobQueue(runtimeID: "python-3.11-ml", arch: "x86_64") == "joblet.jobs.python-3.11-ml@x86_64")
        #expect(Topology.jobQueue(runtimeID: nil, arch: "aarch64") == "joblet.jobs.host@aarch64")
        #expect(Topology.eventRoutingKey(submitter: "alice", jobID: "ab", state: .timedOut) == "job.alice.ab.timed_out")
        #expect(Topology.logRoutingKey(submitter: "alice", jobID: "ab", stream: "stderr") == "alice.ab.stderr")
        #expect(Topology.jobQueue(target: "host@x86_64+net") == "joblet.jobs.host@x86_64+net")
        #expect(Topology.target(ofJobQueue: "joblet.jobs.python-3.11@x86_64") == "python-3.11@x86_64")
        #expect(Topology.target(ofJobQueue: "joblet.jobsx") == nil)
        #expect(Topology.controlQueue(workerID: "w1") == "joblet.control.worker.w1")
        #expect(Topology.eventStateKey(state: .timedOut) == "job.*.*.timed_out")
        #expect(Topology.advertFollowAllKey == "worker.*.advert")
    }

    /// `limits.timeout: 1e300` once killed every worker that received it (Double → Int trap).
    @Test func hugeLimitsAreRejectedWithTheFieldAndRange() throws {
        let request = try JSONCodec.decode(JobRequest.self, from: Array(#"{"command":["true"],"limits":{"timeout":1e300}}"#.utf8))
        #expect(request.limits?.timeout?.description == "1e+300s")
        #expect {
            try request.validate()
        } throws: { error in
            (error as? JobletError)?.message.hasPrefix("limits.timeout: 1e+300s is out of range") == true
        }
        let pids = JobRequest(command: ["true"], limits: JobLimits(pids: 4_000_000_000))
        #expect(throws: JobletError.self) { try pids.validate() }
        #expect(throws: Never.self) { try JobRequest(command: ["true"], limits: JobLimits(pids: 4096, timeout: JobDuration(seconds: 3600))).validate() }
    }

    @Test func brokerUserNamesAreRoutingKeySafe() {
        #expect(BrokerUserName.isValid("alice"))
        #expect(BrokerUserName.isValid("joblet-worker-host_1@dc1"))
        for bad in ["", "a.b", "a*", "a#", "a b", "ä", String(repeating: "x", count: 65), "a(b)"] {
            #expect(!BrokerUserName.isValid(bad), "\(bad)")
        }
        let trust = TrustPolicy()
        #expect(trust.role(of: "joblet-dispatcher") == .dispatcher)
        #expect(trust.role(of: "joblet-worker-a") == .worker)
        #expect(trust.role(of: "joblet-worker-") == .submitter)
        #expect(trust.role(of: "alice") == .submitter)
        #expect(trust.role(of: nil) == .anonymous)
        #expect(trust.role(of: "") == .anonymous)
    }
}
