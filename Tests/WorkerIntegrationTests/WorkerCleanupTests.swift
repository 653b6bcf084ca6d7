#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension WorkerSuites {
    @Suite("work dir removal")
    struct WorkerCleanupTests {
        /// 20 nested directories with 250-character names (past PATH_MAX on the host), a mode-000
        /// directory, and symlinks to a host directory and file; `$1` is that host directory.
        static let hostileScript = """
            cd /work || exit 1
            n=\(String(repeating: "y", count: 250)); i=0
            while [ $i -lt 20 ]; do mkdir "$n" && cd -P "$n" || exit 1; i=$((i+1)); done
            echo data > leaf; mkdir locked && echo x > locked/file && chmod 000 locked
            ln -s "$1" out && ln -s "$1/canary" out-file
            echo built; : > /work/ready
            """

        @Test("a job's tree past PATH_MAX, with a mode-000 dir and symlinks out, is gone after the job")
        func hostileTreeIsRemoved() async throws {
            let canary = try Canary()
            defer { canary.remove() }
            try await withWorker { probe, worker in

                let id = try await probe.submit(["sh", "-c", Self.hostileScript, "sh", canary.directory])
                let events = try await probe.jobEvents(for: [id])
                let final = try #require(events.first { $0.state.isTerminal })
                #expect(final.state == .completed, "\(final.reason ?? "")")
                let left = await Self.eventually { Self.workDirectories(of: worker, job: id).isEmpty }
                #expect(left, "still there: \(Self.workDirectories(of: worker, job: id))")
                #expect(!worker.log.contains("work dir cleanup failed"))
                #expect(canary.isIntact)
            }
        }

        @Test("a worker killed mid-job leaves the tree; the restarted worker removes it at start")
        func restartRemovesCrashLeftovers() async throws {
            let canary = try Canary()
            defer { canary.remove() }
            try await withWorker { probe, worker in

                // One attempt only: the restarted worker dead-letters the redelivery instead of running it.
                let id = try await probe.submit(["sh", "-c", Self.hostileScript + "\nsleep 20", "sh", canary.directory], maxAttempts: 1)
                let built = await Self.eventually {
                    Self.workDirectories(of: worker, job: id).contains { access($0 + "/ready", F_OK) == 0 }
                }
                try #require(built, "the job never built its tree")
                worker.signal(SIGKILL)
                _ = await worker.waitForExit()
                #expect(!Self.workDirectories(of: worker, job: id).isEmpty, "the crash should have left the work dir behind")
                // What a predecessor without job disks leaves: the same tree in <state_dir>/jobs/<id>.
                let planted = "\(worker.directory)/state/jobs/\(JobID.generate())"
                try Self.plantTree(at: planted, canary: canary.directory)

                let restarted = try Self.startAgain(worker)
                defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
                let left = await Self.eventually { Self.workDirectories(of: worker, job: id).isEmpty && access(planted, F_OK) != 0 }
                #expect(left, "survived the restart: \(Self.workDirectories(of: worker, job: id) + [planted].filter { access($0, F_OK) == 0 })")
                kill(restarted.processIdentifier, SIGTERM)
                #expect(await Self.eventually(timeout: .seconds(30)) { !restarted.isRunning })
                let log = (try? String(contentsOfFile: worker.directory + "/restarted.log", encoding: .utf8)) ?? ""
                #expect(log.contains("removing work dir of a crashed predecessor"))
                #expect(!log.contains("could not remove a leftover work dir"))
                #expect(canary.isIntact)
            }
        }

        /// Where the job's `/work` is or was on the host, as far as it still exists: its job disk's
        /// `work/` (see DiskPool) or, on a host without job disks, `<state_dir>/jobs/<id>`.
        static func workDirectories(of worker: WorkerProcess, job id: String) -> [String] {
            let state = worker.directory + "/state"
            let disks = ((try? FileManager.default.contentsOfDirectory(atPath: state + "/disks")) ?? [])
                .map { "\(state)/disks/\($0)/mnt/work" }
            return (disks + ["\(state)/jobs/\(id)"]).filter { access($0, F_OK) == 0 }
        }

        /// `hostileScript`'s tree, made on the host with descriptors (its paths are too long to name).
        static func plantTree(at root: String, canary: String) throws {
            func check(_ result: Int32, _ what: String) throws {
                if result < 0 { throw JobletError(.io, "\(what): \(String(cString: strerror(errno)))") }
            }
            try FileManager.default.createDirectory(atPath: root + "/work", withIntermediateDirectories: true)
            var fd = open(root + "/work", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            try check(fd, "open")
            defer { close(fd) }
            try check(symlink(canary, root + "/work/out"), "symlink")
            let name = String(repeating: "y", count: 250)
            for _ in 0..<20 {
                try check(mkdirat(fd, name, 0o755), "mkdirat")
                let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                try check(next, "openat")
                close(fd)
                fd = next
            }
            try check(mkdirat(fd, "locked", 0), "mkdirat locked")
            try check(symlinkat(canary + "/canary", fd, "out-file"), "symlinkat")
        }

        /// The same worker binary, config and credentials as `worker`, logging to `restarted.log`.
        static func startAgain(_ worker: WorkerProcess) throws -> Process {
            let process = Process()
            process.executableURL = worker.process.executableURL
            process.arguments = worker.process.arguments
            let logPath = worker.directory + "/restarted.log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = FileHandle(forWritingAtPath: logPath)
            process.standardOutput = log
            process.standardError = log
            try process.run()
            return process
        }

        static func eventually(timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
            let end = ContinuousClock.now + timeout
            while ContinuousClock.now < end {
                if condition() { return true }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return condition()
        }
    }
}

/// A host directory with a file that job symlinks point at: removal must leave both alone.
struct Canary {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "joblet-canary-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try "alive".write(toFile: directory + "/canary", atomically: false, encoding: .utf8)
    }

    var isIntact: Bool {
        (try? String(contentsOfFile: directory + "/canary", encoding: .utf8)) == "alive"
    }

    func remove() { try? TreeRemoval.remove(directory) }
}
