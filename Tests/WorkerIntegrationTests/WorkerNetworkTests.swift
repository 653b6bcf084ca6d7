#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import JobletCore
import TestSupport
import Testing

extension WorkerSuites {
    /// Job networks on a real kernel, with the worker inside a network namespace of the test's own
    /// (NetworkLab): nothing outside the lab's namespaces is touched.
    @Suite(
        "job networks: bridge, named networks, policy, clean-up",
        .enabled(if: access("/usr/sbin/nft", X_OK) == 0 && access("/usr/bin/socat", X_OK) == 0))
    struct WorkerNetworkTests {
        /// Prints `<label> reached` or `<label> blocked` for each `label,host,port`, then `dns <address>`
        /// for `outside.test` (when asked) through the job's resolv.conf.
        static let probe = """
            import socket, sys
            for spec in sys.argv[1:]:
                label, host, port = spec.split(",")
                if label == "mountinfo":
                    leaks = [l for l in open("/proc/self/mountinfo") if host in l]
                    print("mountinfo", "leaks" if leaks else "clean", leaks[:1])
                    continue
                if label == "dns":
                    try: print("dns", socket.gethostbyname(host))
                    except Exception as e: print("dns failed", type(e).__name__)
                    continue
                try:
                    socket.create_connection((host, int(port)), timeout=3).close(); print(label, "reached")
                except Exception as e:
                    print(label, "blocked", type(e).__name__)
            """

        static func config(allow: [String] = []) -> String {
            """
            network:
              enabled: true
              pool: 10.99.0.0/16
              dns: [\(NetworkLab.outsideAddress)]
              allow: [\(allow.joined(separator: ", "))]
            """
        }

        struct Setup {
            let lab: NetworkLab
            let probe: BrokerProbe
            let worker: WorkerProcess
            func close() async {
                await worker.stop()
                await probe.close()
                lab.close()
            }
        }

        /// Runs `body` with a started setup, closed when it returns or throws (a body may close it
        /// earlier: closing twice is fine).
        static func withSetup<T>(
            isolation: isolated (any Actor)? = #isolation, allow: [String] = [], _ body: (Setup) async throws -> T
        ) async throws -> T {
            let setup = try await start(allow: allow)
            return try await withCleanup {
                await setup.close()
            } do: {
                try await body(setup)
            }
        }

        static func start(allow: [String] = []) async throws -> Setup {
            let url = try await TestBroker.shared()
            let lab = try NetworkLab(brokerURL: url)
            do {
                let probe = try await BrokerProbe(url: url)
                let worker = try await WorkerProcess(
                    url: url, extra: config(allow: allow), arguments: ["--broker", lab.brokerURL],
                    launcher: lab.launcher)
                let netQueue = Topology.jobQueue(runtimeID: nil, arch: Architecture.host, network: true)
                let advert = try await probe.advert(of: worker.id) { $0.networks?.contains("bridge") == true && $0.queues.contains(netQueue) }
                guard advert != nil else {
                    await worker.stop(); await probe.close()
                    throw LabError("the worker never offered bridge: \(worker.log.suffix(2000))")
                }
                return Setup(lab: lab, probe: probe, worker: worker)
            } catch {
                lab.close()
                throw error
            }
        }

        static func lines(_ text: String) -> Set<String> {
            Set(text.split(separator: "\n").map { $0.split(separator: " ").prefix(2).joined(separator: " ") })
        }

        @Test("a bridged job reaches the outside and DNS, never the broker, the worker host, private or link-local addresses; a none job reaches nothing")
        func bridgeAndPolicy() async throws {
            try await Self.withSetup { setup in
                let lab = setup.lab
                let checks = [
                    "outside,\(NetworkLab.outsideAddress),\(NetworkLab.outsidePort)",
                    "broker,\(NetworkLab.outsideAddress),\(lab.brokerPort)",
                    "host,\(NetworkLab.hostAddress),\(NetworkLab.hostPort)",
                    "gateway,10.99.0.1,\(NetworkLab.hostPort)",
                    "private,\(NetworkLab.privateAddress),\(NetworkLab.outsidePort)",
                    "metadata,169.254.169.254,80",
                    "dns,outside.test,53",
                    "mountinfo,\(setup.worker.directory),0",
                ]
                let bridged = try await setup.probe.submit(["python3", "-c", Self.probe] + checks, network: "bridge")
                let isolated = try await setup.probe.submit(["python3", "-c", Self.probe, checks[0]], network: "none")
                let results = try await setup.probe.finish([bridged, isolated])
                await setup.close()

                let b = try #require(results[bridged])
                #expect(b.event.state == .completed, "\(b.event.reason ?? "") \(b.stdout)")
                #expect(
                    Self.lines(b.stdout) == [
                        "outside reached", "broker blocked", "host blocked", "gateway blocked",
                        "private blocked", "metadata blocked", "dns \(NetworkLab.outsideAddress)",
                        "mountinfo clean",
                    ],
                    "\(b.stdout)")
                let n = try #require(results[isolated])
                #expect(Self.lines(n.stdout) == ["outside blocked"], "\(n.stdout)")
            }
        }

        @Test("network.allow opens a private network, never the broker")
        func allowedPrivateNetwork() async throws {
            try await Self.withSetup(allow: ["192.168.77.0/24", "198.18.0.0/24"]) { setup in
                let id = try await setup.probe.submit(
                    [
                        "python3", "-c", Self.probe,
                        "private,\(NetworkLab.privateAddress),\(NetworkLab.outsidePort)",
                        "broker,\(NetworkLab.outsideAddress),\(setup.lab.brokerPort)",
                        "host,\(NetworkLab.hostAddress),\(NetworkLab.hostPort)",
                    ], network: "bridge")
                let results = try await setup.probe.finish([id])
                await setup.close()
                let job = try #require(results[id])
                #expect(Self.lines(job.stdout) == ["private reached", "broker blocked", "host blocked"], "\(job.stdout)")
            }
        }

        /// Serves until GET /quit; the first request may come before the server listens, so clients retry.
        static let server = """
            import http.server, threading
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200); self.end_headers(); self.wfile.write(b"hello")
                    if self.path == "/quit": threading.Thread(target=self.server.shutdown).start()
            http.server.HTTPServer(("0.0.0.0", 8000), H).serve_forever()
            print("served")
            """

        static func client(_ url: String, tries: Int) -> [String] {
            [
                "python3", "-c",
                """
                import sys, time, urllib.request
                for i in range(\(tries)):
                    try:
                        print("reached", urllib.request.urlopen(sys.argv[1], timeout=3).read().decode()); break
                    except Exception as e:
                        error = type(e).__name__; time.sleep(0.5)
                else:
                    print("blocked", error)
                """, url,
            ]
        }

        @Test("two jobs on one named network reach each other by name; jobs outside it (another network, bridge) cannot")
        func namedNetworks() async throws {
            try await Self.withSetup { setup in
                let probe = setup.probe
                let server = try await probe.submit(
                    ["python3", "-c", Self.server], network: "team", name: "api",
                    limits: JobLimits(timeout: JobDuration(seconds: 120)))
                // The first job of the first named network gets the first job address of the second subnet.
                let serverAddress = "10.99.1.2"
                let client = try await probe.submit(Self.client("http://api:8000/", tries: 60), network: "team")
                let first = try await probe.finish([client])
                let other = try await probe.submit(Self.client("http://\(serverAddress):8000/", tries: 1), network: "other")
                let bridged = try await probe.submit(Self.client("http://\(serverAddress):8000/", tries: 1), network: "bridge")
                let stranger = try await probe.submit(
                    Self.client("http://\(serverAddress):8000/", tries: 1), network: "team",
                    submitter: "mallory")
                let outside = try await probe.finish([other, bridged, stranger])
                // Still serving: the test's last client stops it.
                let quit = try await probe.submit(Self.client("http://api:8000/quit", tries: 60), network: "team")
                let last = try await probe.finish([quit, server])
                var links: [String] = []
                for _ in 0..<300 {  // the named bridges go with their last job, just after its result
                    links = try setup.lab.hostLinks(prefix: "jb")
                    if links.count == 1 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                await setup.close()

                #expect(first[client]?.stdout == "reached hello\n", "\(first[client]?.stdout ?? "no result")")
                for id in [other, bridged, stranger] {
                    #expect(outside[id]?.stdout.hasPrefix("blocked") == true, "\(outside[id]?.stdout ?? "no result")")
                }
                #expect(last[quit]?.stdout == "reached hello\n", "\(last[quit]?.stdout ?? "no result")")
                #expect(last[server]?.event.state == .completed, "\(last[server]?.event.reason ?? "no result")")
                // Named networks go with their last job: only the shared bridge is left.
                #expect(links.count == 1 && links.first?.hasSuffix("-0") == true, "\(links)")
            }
        }

        /// Serves for 20 s, says once it listens (it reaches itself on its own eth0 address), then how many
        /// requests it served.
        static let lonelyServer = """
            import http.server, socket, threading
            served = []
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    served.append(self.path); self.send_response(200); self.end_headers()
            server = http.server.HTTPServer(("0.0.0.0", 8000), H)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("198.18.0.2", 9)); me = s.getsockname()[0]
            socket.create_connection((me, 8000), timeout=3).close()
            print("up", me, flush=True)
            threading.Event().wait(20)
            print("served", len(served))
            """

        @Test("jobs on the shared bridge network do not reach each other")
        func sharedBridgeIsolation() async throws {
            try await Self.withSetup { setup in
                let probe = setup.probe
                let server = try await probe.submit(["python3", "-c", Self.lonelyServer], network: "bridge")
                _ = try await probe.collect(probe.events) { deliveries in
                    deliveries.contains { $0.routingKey == BrokerProbe.eventKey(server, .running) }
                }
                // The shared network's first job has its first job address.
                let client = try await probe.submit(Self.client("http://10.99.0.2:8000/", tries: 2), network: "bridge")
                let results = try await probe.finish([server, client])
                await setup.close()
                let served = results[server]?.stdout ?? ""
                #expect(served.hasPrefix("up 10.99.0.2\n") && served.hasSuffix("served 0\n"), "\(served)")
                #expect(results[client]?.stdout.hasPrefix("blocked") == true, "\(results[client]?.stdout ?? "no result")")
            }
        }

        @Test("nothing is left behind after 100 bridged jobs, a cancel and a graceful stop")
        func nothingLeftBehind() async throws {
            try await Self.withSetup { setup in
                let probe = setup.probe
                var ids: [String] = []
                for index in 0..<100 {
                    ids.append(try await probe.submit(["true"], network: index % 2 == 0 ? "bridge" : "net\(index % 5)"))
                }
                let cancelled = try await probe.submit(["sleep", "600"], network: "held")
                // Every `true` ended and the sleeper runs (a cancel sent before its worker took it would be
                // dropped there, as a cancel of a queued job is): one collection, the probe's queue drains.
                var events: [JobEvent] = []
                _ = try await probe.collect(probe.events, timeout: .seconds(120)) { deliveries in
                    events = deliveries.compactMap { try? JSONCodec.decode(JobEvent.self, from: $0.body) }
                    let ended = Set(events.filter { $0.state.isTerminal }.map(\.jobID))
                    return ended.isSuperset(of: ids) && events.contains { $0.jobID == cancelled && $0.state == .running }
                }
                let completed = Set(events.filter { $0.state == .completed }.map(\.jobID)).intersection(ids)
                try await probe.control(ControlCommand(command: .cancel, jobID: cancelled), workerID: setup.worker.id)
                let end = try await probe.finish([cancelled])
                // A job's network goes after its result is published and acked: wait for that, boundedly.
                var veths: [String] = [], bridges: [String] = [], ruleset = ""
                for _ in 0..<300 {
                    veths = try setup.lab.hostLinks(prefix: "jv")
                    bridges = try setup.lab.hostLinks(prefix: "jb")
                    ruleset = try setup.lab.hostRuleset()
                    if veths.isEmpty, bridges.count == 1, !ruleset.contains("chain job_") { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                await setup.worker.stop()
                let afterStop = try setup.lab.hostLinks(prefix: "j")
                let rulesAfterStop = try setup.lab.hostRuleset()
                await setup.close()

                #expect(
                    completed.count == 100,
                    "\(events.filter { $0.state.isTerminal && $0.state != .completed }.map { $0.reason ?? "" }.prefix(3))")
                #expect(end[cancelled]?.event.state == .cancelled)
                #expect(veths.isEmpty, "\(veths)")
                #expect(bridges.count == 1, "\(bridges)")
                #expect(!ruleset.contains("chain job_"), "\(ruleset)")
                #expect(!ruleset.contains(" : jump "), "\(ruleset)")
                #expect(afterStop.isEmpty, "\(afterStop)")
                #expect(!rulesAfterStop.contains("joblet_"), "\(rulesAfterStop)")
            }
        }

        /// What a bridged job costs at spawn over a `none` one, from the worker's own metric (delivery to
        /// command start, averaged): printed, not asserted. Jobs run one at a time, so no job waits for a slot.
        @Test("the spawn cost of bridge over none (printed)")
        func spawnCost() async throws {
            try await Self.withSetup { setup in
                let probe = setup.probe
                var averages: [Double] = []
                var started: UInt64 = 0
                for network in ["none", "bridge", "named"] {
                    for _ in 0..<20 {
                        let id = try await probe.submit(["true"], network: network == "named" ? "cost" : network)
                        let result = try await probe.finish([id])
                        #expect(result[id]?.event.state == .completed, "\(result[id]?.event.reason ?? "no result")")
                    }
                    started += 20
                    let advert = try await probe.advert(of: setup.worker.id) { $0.metrics.jobsStarted >= started }
                    averages.append(try #require(advert).metrics.spawnLatencyMsAvg)
                }
                await setup.close()
                // Cumulative averages: the mean of each block of 20 from the difference of the running sums.
                let none = averages[0], bridge = (averages[1] * 40 - averages[0] * 20) / 20, named = (averages[2] * 60 - averages[1] * 40) / 20
                print(
                    "job networks, spawn latency (delivery to command start, mean of 20): none \(String(format: "%.1f", none)) ms, bridge \(String(format: "%.1f", bridge)) ms, named network \(String(format: "%.1f", named)) ms (the first job of it makes its bridge)"
                )
            }
        }

        @Test("limits.net_bps puts a token bucket on both ends of the job's veth pair")
        func bandwidthLimit() async throws {
            try await Self.withSetup { setup in
                let lab = setup.lab
                _ = FileManager.default.createFile(atPath: lab.www + "/big", contents: Data(count: 1 << 20))
                let digits = Int.random(in: 1000...9999)
                let marker = "31.\(digits)"
                let download = """
                    import time, urllib.request
                    start = time.monotonic()
                    size = len(urllib.request.urlopen("http://\(NetworkLab.outsideAddress):\(NetworkLab.outsidePort)/big", timeout=60).read())
                    print("downloaded", size, "bytes at", int(size / (time.monotonic() - start)), "bytes/s", flush=True)
                    """
                let id = try await setup.probe.submit(
                    ["sh", "-c", "python3 -c '\(download)'; d=\(digits); exec sleep 31.$d"], network: "bridge",
                    limits: JobLimits(netBytesPerSecond: ByteSize(bytes: 256 << 10)))
                var pid: String?  // the job's last command: it has downloaded by then
                for _ in 0..<600 where pid == nil {
                    pid = (try? lab.run("pgrep", "-f", "sleep \(marker)"))?.split(separator: "\n").first.map(String.init)
                    if pid == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                let veth = try lab.hostLinks(prefix: "jv").first
                let hostSide = try veth.map { try lab.inHost("tc", "qdisc", "show", "dev", $0) } ?? ""
                let jobSide = try pid.map { try lab.run("nsenter", "--net=/proc/\($0)/ns/net", "tc", "qdisc", "show", "dev", "eth0") } ?? ""
                try await setup.probe.control(ControlCommand(command: .cancel, jobID: id), workerID: setup.worker.id)
                let results = try await setup.probe.finish([id])
                await setup.close()

                #expect(hostSide.contains("tbf") && hostSide.contains("rate 2097Kbit"), "\(veth ?? "no veth"): \(hostSide)")
                #expect(jobSide.contains("tbf") && jobSide.contains("rate 2097Kbit"), "\(jobSide)")
                let line = results[id]?.stdout ?? ""
                #expect(line.hasPrefix("downloaded 1048576 bytes"), "\(line)")
                print("limits.net_bps 256K: \(line.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        }

        @Test("a worker killed with SIGKILL leaves its network behind; restarted, it sweeps it")
        func restartSweepsCrashLeftovers() async throws {
            try await Self.withSetup { setup in
                let probe = setup.probe
                let id = try await probe.submit(["sleep", "600"], network: "crash", maxAttempts: 1)
                var running = false
                for _ in 0..<600 where !running {
                    running = ((try? setup.lab.hostLinks(prefix: "jv")) ?? []).count == 1
                    if !running { try await Task.sleep(for: .milliseconds(100)) }
                }
                try #require(running, "the job's veth never appeared")
                setup.worker.signal(SIGKILL)
                _ = await setup.worker.waitForExit()
                let leftLinks = try setup.lab.hostLinks(prefix: "j")
                let leftRules = try setup.lab.hostRuleset()

                let restarted = try WorkerCleanupTests.startAgain(setup.worker)
                var swept = false
                for _ in 0..<600 where !swept {
                    let log = (try? String(contentsOfFile: setup.worker.directory + "/restarted.log", encoding: .utf8)) ?? ""
                    swept = log.contains("job networks ready")
                    if !swept { try await Task.sleep(for: .milliseconds(100)) }
                }
                let links = try setup.lab.hostLinks(prefix: "j")
                let ruleset = try setup.lab.hostRuleset()
                kill(restarted.processIdentifier, SIGTERM)
                restarted.waitUntilExit()
                let afterStop = try setup.lab.hostLinks(prefix: "j")
                await setup.close()

                #expect(leftLinks.count >= 3, "expected the shared bridge, the named one and the job's veth: \(leftLinks)")
                #expect(leftRules.contains("chain job_"), "\(leftRules)")
                #expect(swept)
                #expect(links.count == 1 && links.first?.hasSuffix("-0") == true, "\(links)")
                #expect(!ruleset.contains("chain job_"), "\(ruleset)")
                #expect(afterStop.isEmpty, "\(afterStop)")
                _ = id
            }
        }
    }
}
