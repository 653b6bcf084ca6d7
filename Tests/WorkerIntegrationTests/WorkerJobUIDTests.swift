#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension WorkerSuites {
    /// Every running job has a uid of its own from job.uid_range (issue 12, item 6).
    @Suite("job uids: one per running job")
    struct WorkerJobUIDTests {
        @Test("two jobs running at once have different uids of the range, each its gid too")
        func concurrentJobsHaveTheirOwnUIDs() async throws {
            try await JobUIDFixture.withTwoSlotWorker(uidRange: "71000-71001") { probe, worker, runtimes in
                // Each prints its ids, then runs until cancelled: both printed means both ran at once.
                let command = ["sh", "-c", "echo $(id -u) $(id -g); exec sleep 120"]
                let first = try await probe.submit(command, runtimeID: runtimes.ids[0])
                let second = try await probe.submit(command, runtimeID: runtimes.ids[1])
                var output = LiveOutput()
                let printed = try await output.wait(probe) { live in
                    [first, second].allSatisfy { live.stdout(of: $0).hasSuffix("\n") }
                }
                #expect(printed, "both jobs print their ids while the other runs")
                let ids = [first, second].map {
                    output.stdout(of: $0).split(separator: " ").compactMap { UInt32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                }
                for (uid, gid) in ids.compactMap({ $0.count == 2 ? ($0[0], $0[1]) : nil }) {
                    #expect((71000...71001).contains(uid), "uid \(uid) is from job.uid_range")
                    #expect(gid == uid, "a job's gid is its uid")
                }
                #expect(Set(ids.compactMap(\.first)).count == 2, "the two running jobs have different uids: \(ids)")

                for id in [first, second] { try await probe.control(ControlCommand(command: .cancel, jobID: id), workerID: worker.id) }
                let events = try await probe.jobEvents(for: [first, second])
                #expect(events.filter { $0.state == .cancelled }.count == 2)
            }
        }

        @Test("a job holding every inotify instance its uid may have leaves a concurrent job its own")
        func inotifyInstancesDoNotCrossJobs() async throws {
            try await JobUIDFixture.withTwoSlotWorker(uidRange: "71010-71011") { probe, worker, runtimes in
                // The attack: take inotify instances until the kernel refuses (fs.inotify.max_user_instances
                // per uid), say how many and why it stopped, and hold them.
                let hog = try await probe.submit(
                    [
                        "/usr/bin/python3", "-c",
                        """
                        import ctypes, sys, time
                        libc = ctypes.CDLL(None, use_errno=True)
                        held = []
                        while True:
                            fd = libc.inotify_init1(0)
                            if fd < 0: break
                            held.append(fd)
                        limit = int(open("/proc/sys/fs/inotify/max_user_instances").read())
                        print(len(held), limit, ctypes.get_errno(), flush=True)
                        time.sleep(120)
                        """,
                    ], runtimeID: runtimes.ids[0])
                var output = LiveOutput()
                #expect(try await output.wait(probe) { $0.stdout(of: hog).hasSuffix("\n") })
                let numbers = output.stdout(of: hog).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                #expect(
                    numbers.count == 3 && numbers[0] == numbers[1] && numbers[2] == EMFILE,
                    "the hog holds max_user_instances instances and got EMFILE for one more: \(numbers)")

                let victim = try await probe.submit(
                    [
                        "/usr/bin/python3", "-c",
                        """
                        import ctypes, os, sys
                        libc = ctypes.CDLL(None, use_errno=True)
                        fd = libc.inotify_init1(0)
                        if fd < 0: sys.exit("inotify_init1: " + os.strerror(ctypes.get_errno()))
                        print("inotify ok", flush=True)
                        """,
                    ], runtimeID: runtimes.ids[1])
                let victimEvents = try await probe.jobEvents(for: [victim])
                let result = victimEvents.first { $0.state.isTerminal }?.result
                #expect(result?.exitCode == 0, "the other job still gets an inotify instance (was: Too many open files)")

                try await probe.control(ControlCommand(command: .cancel, jobID: hog), workerID: worker.id)
                #expect(try await probe.jobEvents(for: [hog]).contains { $0.state == .cancelled })
            }
        }

        @Test("a uid range smaller than the slots stops the worker at start, naming job.uid_range")
        func rangeSmallerThanSlotsIsAConfigError() async throws {
            let url = try await TestBroker.shared()
            let worker = try await WorkerProcess(url: url, slots: 3, extra: "job:\n  uid_range: \"71020-71021\"")
            await withCleanup {
                await worker.stop()
            } do: {
                let status = await worker.waitForExit()
                #expect(status != nil && status != 0)
                #expect(worker.log.contains("job.uid_range: 71020-71021 has 2 uids but slots is 3"))
            }
        }
    }
}
