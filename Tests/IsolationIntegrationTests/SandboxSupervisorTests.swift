import Foundation
@testable import Isolation
import TestSupport
import Testing

/// The one supervisor thread that reaps every sandbox and reads every job's output.
@Suite(.integration(needs: [.root]), .timeLimit(.minutes(10)))
struct SandboxSupervisorTests {
    /// Each job: wait for the gate file, write its numbers to stdout and its name to stderr, exit
    /// with its own code. The worker's thread count while all of them run must not grow with them.
    @Test func fiftyConcurrentJobsKeepTheirOutputAndCodesOnABoundedSetOfThreads() async throws {
        let jobs = 50
        let work = try WorkDirectory()
        _ = try await SandboxHarness.sh("true")  // the supervisor and a few executor threads exist from here on
        let before = Self.threads()
        var processes: [SandboxProcess] = []
        for index in 0..<jobs {
            let script = "while [ ! -e /work/go ]; do sleep 0.05; done; seq 1 \(10_000 + index); echo job-\(index) >&2; exit \(index)"
            processes.append(try Sandbox.spawn(SandboxHarness.plan(["/bin/sh", "-c", script], work: work)))
        }
        let during = Self.threads()
        let supervisors = Self.threadNames().filter { $0 == "joblet-sandbox" }.count
        _ = FileManager.default.createFile(atPath: work.path + "/go", contents: nil)
        let runs = try await withThrowingTaskGroup(of: (Int, SandboxRun).self) { group in
            for (index, process) in processes.enumerated() {
                group.addTask {
                    var stdout: [UInt8] = []
                    var stderr: [UInt8] = []
                    for try await chunk in process.output {
                        if chunk.stream == .stdout { stdout += chunk.bytes } else { stderr += chunk.bytes }
                    }
                    return (index, SandboxRun(status: await process.wait(), stdout: stdout, stderr: stderr))
                }
            }
            var runs: [Int: SandboxRun] = [:]
            for try await (index, run) in group { runs[index] = run }
            return runs
        }
        let after = Self.threads()
        print("threads: \(before) before, \(during) with \(jobs) jobs running, \(after) after")
        #expect(supervisors == 1)
        // Two threads per job before the supervisor: +100 here. Other suites run beside this one, hence the slack.
        #expect(during - before < jobs / 2, "threads \(before) -> \(during) for \(jobs) jobs")
        for index in 0..<jobs {
            let run = try #require(runs[index])
            let expected = (1...(10_000 + index)).map(String.init).joined(separator: "\n") + "\n"
            #expect(run.out == expected, "job \(index): \(run.stdout.count) bytes")
            #expect(run.err == "job-\(index)\n")
            #expect(run.status == .exited(Int32(index)))
        }
        withExtendedLifetime(work) {}
    }

    /// A job writing 50 MB to a consumer that does not keep up: the worker holds at most the buffer
    /// (1 MiB, plus the read in flight), the job waits in pipe_write, and meanwhile another job's
    /// output still flows through the same loop.
    @Test func aSlowConsumerBlocksOnlyItsJobAndBuffersABoundedAmount() async throws {
        let total = 50 << 20
        let bound = SandboxProcess.bufferLimit + SandboxSupervisor.readSize
        let work = try WorkDirectory()
        let writer = try Sandbox.spawn(SandboxHarness.plan(["head", "-c", "\(total)", "/dev/zero"], work: work))
        let command = try Self.onlyChild(of: writer.pid)
        var wchan = ""
        for _ in 0..<2000 where !wchan.hasSuffix("pipe_write") {
            usleep(5000)
            wchan = (try? String(contentsOfFile: "/proc/\(command)/wchan", encoding: .utf8)) ?? ""
        }
        #expect(wchan.hasSuffix("pipe_write"))
        #expect(writer.bufferedOutputBytes <= bound)

        let other = try await SandboxHarness.sh("seq 1 200000; echo done >&2")
        #expect(other.out == (1...200_000).map(String.init).joined(separator: "\n") + "\n")
        #expect(other.err == "done\n")
        #expect(other.status == .exited(0))

        var count = 0
        var largestBuffer = 0
        for try await chunk in writer.output {
            count += chunk.bytes.count
            largestBuffer = max(largestBuffer, writer.bufferedOutputBytes)
            if count % (4 << 20) < chunk.bytes.count { try await Task.sleep(for: .milliseconds(20)) }
        }
        print("slow consumer: at most \(largestBuffer) bytes buffered of \(total)")
        #expect(count == total)
        #expect(largestBuffer <= bound)
        #expect(await writer.wait() == .exited(0))
    }

    /// Once the status is published the pidfd is closed, so a later kill() or terminate() has no
    /// descriptor to go through: it can never reach a process that took the pid since.
    @Test func signalsAfterTheExitGoNowhere() async throws {
        let work = try WorkDirectory()
        let process = try Sandbox.spawn(SandboxHarness.plan(["/bin/sh", "-c", "exit 3"], work: work))
        for try await _ in process.output {}
        #expect(await process.wait() == .exited(3))
        #expect(!process.holdsPidfd)
        process.kill()
        process.terminate()
        #expect(await process.wait() == .exited(3))
    }

    static func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The command init started (init's only child).
    static func onlyChild(of pid: Int32) throws -> Int32 {
        for _ in 0..<400 {
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            if let child = Int32(children.split(separator: " ").first ?? "") { return child }
            usleep(5000)
        }
        throw POSIXError(.ESRCH)
    }
}
