import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    /// `docs/examples/submit.sh` is public documentation: run it as documented against a real dispatcher.
    @Suite struct ExampleScriptTests {
        /// Runs the script with `JOBLET_BROKER=url`; returns its exit status and the reply it printed.
        func runScript(url: String, _ arguments: [String]) throws -> (status: Int32, reply: SubmitReply?, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [DispatcherHarness.repoRoot + "/docs/examples/submit.sh"] + arguments
            var environment = ProcessInfo.processInfo.environment
            environment["JOBLET_BROKER"] = url
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let reply = try? JSONCodec.decode(SubmitReply.self, from: Array(output.utf8))
            return (process.terminationStatus, reply, output)
        }

        @Test func submitScriptSubmitsAsTheBrokerUserAndReportsRejections() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker(version: "3.11").language
            let dave = try await BrokerUserClient(user: "dave-" + JobID.short(JobID.generate()), harness: harness)

            // The documented call: a runtime spec, then the command.
            let accepted = try runScript(url: dave.url, ["\(language):3.11", "python", "-c", "print(42)"])
            #expect(accepted.status == 0, "\(accepted.output)")
            let reply = try #require(accepted.reply, "\(accepted.output)")
            #expect(reply.status == .accepted)
            #expect(reply.runtimeID == "\(language)-3.11")
            #expect(reply.queue == Topology.jobQueue(runtimeID: "\(language)-3.11", arch: "x86_64"))
            let jobID = try #require(reply.jobID, "an accepted job has an id")
            let job = try await harness.query(RPCRequest(method: .status, jobID: jobID)).job
            #expect(job?.submitter == dave.user)
            #expect(job?.command == ["python", "-c", "print(42)"])
            #expect(job?.state == .queued)

            // An empty runtime is a host job.
            let host = try runScript(url: dave.url, ["", "uname", "-a"])
            #expect(host.status == 0, "\(host.output)")
            #expect(host.reply?.queue == Topology.jobQueue(runtimeID: nil, arch: Architecture.host))

            // A runtime nobody offers: the rejection is printed and the exit status says so.
            let rejected = try runScript(url: dave.url, ["\(language):9", "true"])
            #expect(rejected.status == 1)
            #expect(rejected.reply?.status == .rejected)
            #expect(rejected.reply?.error?.code == "unknown_runtime")
            #expect(rejected.reply?.error?.message.contains("\(language)-3.11") == true)

            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-3.11", arch: "x86_64"))
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: nil, arch: Architecture.host))
            await dave.close()
        }
    }
}
