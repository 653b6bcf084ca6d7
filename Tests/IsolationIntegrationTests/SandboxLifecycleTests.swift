import Foundation
import Isolation
import TestSupport
import Testing

/// Exit codes, signals, output and cleanup of sandboxed jobs.
@Suite(.integration(needs: [.root]), .timeLimit(.minutes(10)))
struct SandboxLifecycleTests {
    @Test(arguments: [("exit 0", Int32(0)), ("exit 1", 1), ("kill -9 $$", 137), ("kill -TERM $$", 143)])
    func exitStatusPropagates(script: String, code: Int32) async throws {
        let run = try await SandboxHarness.sh(script)
        #expect(run.status.code == code)
        #expect(run.status == .exited(code))
    }

    @Test func stdoutAndStderrAreSeparate() async throws {
        let run = try await SandboxHarness.sh("echo out; echo err >&2; echo out2")
        #expect(run.out == "out\nout2\n")
        #expect(run.err == "err\n")
    }

    @Test func terminateIsForwardedToTheCommand() async throws {
        let work = try WorkDirectory()
        let plan = SandboxHarness.plan(
            ["/bin/sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"],
            work: work)
        let process = try Sandbox.spawn(plan)
        var out = ""
        for try await chunk in process.output where chunk.stream == .stdout {
            out += String(decoding: chunk.bytes, as: UTF8.self)
            if out == "ready\n" { process.terminate() }
        }
        #expect(out == "ready\ngot-term\n")
        #expect(await process.wait() == .exited(7))
    }

    @Test func killEndsATreeThatIgnoresTerm() async throws {
        let work = try WorkDirectory()
        let plan = SandboxHarness.plan(
            ["/bin/sh", "-c", "trap '' TERM; sh -c \"trap '' TERM; sleep 1000\" & sleep 1000 & echo ready; wait"],
            work: work)
        let process = try Sandbox.spawn(plan)
        var out = ""
        // The stream only ends once every process holding the pipe (the whole tree) is gone.
        for try await chunk in process.output where chunk.stream == .stdout {
            out += String(decoding: chunk.bytes, as: UTF8.self)
            if out == "ready\n" {
                process.terminate()
                process.kill()
            }
        }
        #expect(out == "ready\n")
        let status = await process.wait()
        #expect(status == .signaled(SIGKILL))
        #expect(status.code == 137)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(process.pid)"))
    }

    @Test func pidOneIsTheSmallInitNotACopyOfTheWorker() async throws {
        let work = try WorkDirectory()
        let process = try Sandbox.spawn(SandboxHarness.plan(["sleep", "30"], work: work))
        let cmdline = try String(contentsOfFile: "/proc/\(process.pid)/cmdline", encoding: .utf8)
        #expect(cmdline.split(separator: "\0").map(String.init) == ["joblet-init", "sleep", "30"])
        let initImage = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process.pid)/exe")
        let workerImage = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(initImage != workerImage)
        #expect(initImage.hasSuffix("/joblet-init"))
        process.kill()
        for try await _ in process.output {}
        #expect(await process.wait() == .signaled(SIGKILL))
    }

    @Test func orphansAreReaped() async throws {
        // Orphans are re-parented to init; without reaping they would stay zombies.
        let run = try await SandboxHarness.sh(
            """
            for i in 1 2 3 4 5 6 7 8; do sh -c 'sleep 0 & exit 0'; done
            for try in $(seq 1 200); do
              z=$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l)
              [ "$z" -eq 0 ] && break
              sleep 0.05
            done
            echo zombies=$z
            """)
        #expect(run.out == "zombies=0\n", "\(run.err)")
    }

    @Test func hundredMegabytesOfStdoutArriveIntact() async throws {
        let script = """
            import os, sys, zlib
            crc = 0
            for _ in range(100):
                block = os.urandom(1 << 20)
                crc = zlib.crc32(block, crc)
                sys.stdout.buffer.write(block)
            sys.stdout.buffer.flush()
            sys.stderr.write('%d %d' % (100 << 20, crc))
            """
        let work = try WorkDirectory()
        let plan = SandboxHarness.plan(["python3", "-c", script], work: work)
        let process = try Sandbox.spawn(plan)
        var count = 0
        var crc = CRC32()
        var stderr = ""
        for try await chunk in process.output {
            if chunk.stream == .stdout {
                count += chunk.bytes.count
                crc.update(chunk.bytes)
            } else {
                stderr += String(decoding: chunk.bytes, as: UTF8.self)
            }
        }
        #expect(await process.wait() == .exited(0))
        #expect(count == 100 << 20)
        #expect(stderr == "\(100 << 20) \(crc.value)")
    }

    @Test func slowConsumerBlocksTheJobInsteadOfBuffering() async throws {
        let work = try WorkDirectory()
        let total = 64 << 20
        let plan = SandboxHarness.plan(["head", "-c", "\(total)", "/dev/zero"], work: work)
        let process = try Sandbox.spawn(plan)
        // Nobody reads yet: the command must end up blocked writing its pipe.
        let children = try String(contentsOfFile: "/proc/\(process.pid)/task/\(process.pid)/children", encoding: .utf8)
        let command = try #require(Int32(children.split(separator: " ").first ?? ""))
        var wchan = ""
        for _ in 0..<2000 {
            wchan = (try? String(contentsOfFile: "/proc/\(command)/wchan", encoding: .utf8)) ?? ""
            if wchan.hasSuffix("pipe_write") { break }
            usleep(5000)
        }
        #expect(wchan.hasSuffix("pipe_write"))
        var count = 0
        for try await chunk in process.output { count += chunk.bytes.count }
        #expect(count == total)
        #expect(await process.wait() == .exited(0))
    }

    @Test func missingCommandIsAClearError() throws {
        let work = try WorkDirectory()
        let plan = SandboxHarness.plan(["joblet-no-such-command"], work: work)
        let error = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
        #expect(error?.code == .commandNotFound)
        #expect(error?.message == "command not found: joblet-no-such-command")
    }

    /// The bar: nothing leaks after 1,000 jobs, nor does a job's 256 MiB of output leave the
    /// heap bigger. Counted in a process of its own (`sandbox-soak`), since the suites running beside
    /// this one open fds and allocate in this process. (scripts/test runs it built -O as well.)
    @Test func thousandJobsLeakNothing() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path("sandbox-soak"))
        process.arguments = ["1000", "256"]
        // Into a file, not a pipe: a process another suite spawns meanwhile inherits the pipe's write
        // end (a broker held it for its lifetime), and reading to EOF then never ends.
        let work = try WorkDirectory()
        let outputPath = work.path + "/soak.out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "sandbox-soak:\n\(text)")
        #expect(text.contains("jobs 1000 in"), "sandbox-soak:\n\(text)")
        #expect(text.contains("flood 256 MiB in"), "sandbox-soak:\n\(text)")
        #expect(text.contains("no leak"), "sandbox-soak:\n\(text)")
    }
}

/// zlib's CRC-32, to check bytes against Python's `zlib.crc32`.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    private var crc: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: [UInt8]) {
        var c = crc
        Self.table.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { buffer in
                for b in buffer { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
            }
        }
        crc = c
    }

    var value: UInt32 { crc ^ 0xFFFF_FFFF }
}
