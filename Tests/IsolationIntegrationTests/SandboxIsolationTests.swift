import Foundation
import Isolation
import SystemCalls
import TestSupport
import Testing

/// What a job can see and do inside the sandbox: namespaces, filesystem, privileges.
@Suite(.integration(needs: [.root]), .timeLimit(.minutes(10)))
struct SandboxIsolationTests {
    @Test func initIsPidOneAndHostProcessesAreInvisible() async throws {
        let run = try await SandboxHarness.sh("cat /proc/1/status | grep '^NSpid'; ls /proc | grep -E '^[0-9]+$'")
        #expect(run.status == .exited(0))
        let lines = run.out.split(separator: "\n")
        #expect(lines.first?.hasSuffix("\t1") == true)
        let pids = lines.dropFirst().compactMap { Int($0) }
        #expect(pids.contains(1))
        // Only init, the shell and its pipeline exist; the host has far more.
        #expect(pids.allSatisfy { $0 < 10 })
        #expect(pids.count < 6)
        #expect(SandboxHarness.count("/proc") > 20)
    }

    @Test func hostnameIsTheJobs() async throws {
        let run = try await SandboxHarness.sh("cat /proc/sys/kernel/hostname")
        #expect(run.out == "job-1a2b3c4d\n")
        let host = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
        #expect(host != run.out)
    }

    @Test func onlyLoopbackExistsAndItIsUp() async throws {
        let script = """
            tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '
            python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); c=socket.create_connection(s.getsockname()); print('connected')"
            """
        let run = try await SandboxHarness.sh(script)
        #expect(run.out == "lo\nconnected\n", "\(run.err)")
    }

    @Test func baseAndRuntimeMountsAreReadOnly() async throws {
        let runtime = try WorkDirectory()
        // Writable by everyone on the host: only the read-only mount can stop the job.
        _ = FileManager.default.createFile(atPath: runtime.path + "/data", contents: Data("x".utf8))
        chmod(runtime.path + "/data", 0o666)
        chmod(runtime.path, 0o777)
        let script = """
            import errno
            for path in ['/usr/joblet-probe', '/opt/runtime/data', '/opt/runtime/new', '/joblet-probe', '/etc/passwd']:
                try:
                    open(path, 'w')
                    print(path, 'writable')
                except OSError as e:
                    print(path, errno.errorcode[e.errno])
            """
        let run = try await SandboxHarness.sh("python3 -c \"$SCRIPT\"; cat /opt/runtime/data") { plan in
            plan.environment["SCRIPT"] = script
            plan.runtimeMounts = [MountSpec(source: runtime.path, target: "/opt/runtime", readOnly: true)]
        }
        #expect(
            run.out == """
                /usr/joblet-probe EROFS
                /opt/runtime/data EROFS
                /opt/runtime/new EROFS
                /joblet-probe EROFS
                /etc/passwd EROFS
                x
                """, "\(run.err)")
    }

    @Test func workIsTheWritableCwdWithUploads() async throws {
        let work = try WorkDirectory()
        try "uploaded\n".write(toFile: work.path + "/input.txt", atomically: false, encoding: .utf8)
        let plan = SandboxHarness.plan(["/bin/sh", "-c", "pwd; cat input.txt; echo result > out.txt"], work: work)
        let run = try await SandboxHarness.run(plan)
        #expect(run.out == "/work\nuploaded\n")
        #expect(try String(contentsOfFile: work.path + "/out.txt", encoding: .utf8) == "result\n")
    }

    @Test func volumesAreWritable() async throws {
        let volume = try WorkDirectory()
        let run = try await SandboxHarness.sh("echo kept > /volumes/cache/file") { plan in
            plan.volumes = [VolumeMount(name: "cache", hostPath: volume.path)]
        }
        #expect(run.status == .exited(0), "\(run.err)")
        #expect(try String(contentsOfFile: volume.path + "/file", encoding: .utf8) == "kept\n")
    }

    @Test func minimalDevWorksForTheJobUser() async throws {
        let run = try await SandboxHarness.sh(
            """
            echo gone > /dev/null && echo null-ok
            head -c 4 /dev/zero | od -An -tx1 | tr -d ' '
            head -c 16 /dev/urandom | wc -c
            echo shm > /dev/shm/x && cat /dev/shm/x
            ls /dev | tr '\\n' ' '; echo
            touch /work/new; stat -c %a /work/new
            """)
        #expect(
            run.out == """
                null-ok
                00000000
                16
                shm
                fd full null ptmx pts random shm stderr stdin stdout tty urandom zero\u{20}
                644

                """, "\(run.err)")
    }

    @Test func jobRunsUnprivileged() async throws {
        let run = try await SandboxHarness.sh(
            "grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status")
        let fields = Dictionary(
            uniqueKeysWithValues: run.out.split(separator: "\n").map { line in
                let parts = line.split(separator: ":", maxSplits: 1)
                return (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces))
            })
        #expect(fields["Uid"] == "65534\t65534\t65534\t65534")
        #expect(fields["Gid"] == "65534\t65534\t65534\t65534")
        #expect(fields["Groups"] == "65534")
        for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            #expect(fields[cap] == "0000000000000000", "\(cap)")
        }
        #expect(fields["NoNewPrivs"] == "1")
        #expect(fields["Seccomp"] == "2")
    }

    @Test func namespaceAndMountSyscallsAreRefused() async throws {
        let script = """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            def show(name, r):
                print(name, r, ctypes.get_errno() if r == -1 else 0)
            show('unshare-user', libc.unshare(0x10000000))
            show('unshare-ns', libc.unshare(0x00020000))
            show('mount', libc.mount(b'tmpfs', b'/tmp', b'tmpfs', 0, None))
            show('umount', libc.umount2(b'/proc', 2))
            show('clone-newuser', libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0))
            show('clone3', libc.syscall(435, 0, 0))
            show('setns', libc.setns(0, 0))
            params = ctypes.create_string_buffer(120)
            show('io_uring_setup', libc.syscall(425, 8, params))
            show('io_uring_enter', libc.syscall(426, 0, 0, 0, 0, 0, 0))
            show('io_uring_register', libc.syscall(427, 0, 0, 0, 0))
            """
        let run = try await SandboxHarness.sh("python3 -c \"$SCRIPT\"; unshare -r true; echo unshare-bin $?") { plan in
            plan.environment["SCRIPT"] = script
        }
        #expect(
            run.out == """
                unshare-user -1 1
                unshare-ns -1 1
                mount -1 1
                umount -1 1
                clone-newuser -1 1
                clone3 -1 38
                setns -1 1
                io_uring_setup -1 1
                io_uring_enter -1 1
                io_uring_register -1 1
                unshare-bin 1
                """ + "\n", "\(run.err)")
    }

    @Test func workerEnvironmentDoesNotLeak() async throws {
        setenv("JOBLET_WORKER_SECRET", "hunter2", 1)
        let run = try await SandboxHarness.sh("env | sort") { plan in
            plan.environment = ["GREETING": "hi"]
        }
        let lines = Set(run.out.split(separator: "\n").map(String.init))
        #expect(!run.out.contains("JOBLET_WORKER_SECRET"))
        #expect(!run.out.contains("hunter2"))
        #expect(lines.contains("GREETING=hi"))
        #expect(lines.contains("HOME=/work"))
        #expect(lines.contains("TERM=dumb"))
        #expect(lines.contains { $0.hasPrefix("JOB_ID=test-") })
        #expect(lines.contains { $0.hasPrefix("PATH=") && $0.contains("/usr/bin") })
    }

    @Test func thereIsNoWayOutOfTheRoot() async throws {
        let run = try await SandboxHarness.sh(
            """
            cd /work/../../..; ls; echo ---; ls /proc/self/root/; echo ---; cd /proc/self/cwd/../../..; ls; ls /home /root /var 2>/dev/null; echo $?
            ls /proc/1/root/ >/dev/null 2>&1 || echo init-root-denied
            """)
        let sections = run.out.components(separatedBy: "---\n")
        #expect(sections.count == 3)
        let expected = Set(["bin", "dev", "etc", "lib", "lib64", "proc", "sbin", "tmp", "usr", "work"])
        for section in sections {
            let names = Set(section.split(separator: "\n").map(String.init).filter { Int($0) == nil && $0 != "init-root-denied" })
            #expect(names.isSubset(of: expected), "\(names)")
            #expect(names.contains("usr") && names.contains("work"))
        }
        // init is not dumpable after its setuid: its /proc entries are closed to the job.
        #expect(run.out.hasSuffix("\n2\ninit-root-denied\n"))
    }

    @Test func jobsRunningAtOnceShareOneHostMountPointButNothingElse() async throws {
        // Every root is mounted on the same host directory, each in its job's own mount namespace.
        let runs = try await withThrowingTaskGroup(of: (Int, SandboxRun).self) { group in
            for n in 0..<8 {
                group.addTask { (n, try await SandboxHarness.sh("echo \(n) > /tmp/job-\(n); sleep 0.5; ls /tmp; cat /tmp/job-*")) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (n, run) in runs {
            #expect(run.status.code == 0, "\(run.err)")
            #expect(run.out == "job-\(n)\n\(n)\n", "job \(n) saw another job's files: \(run.out)")
        }
        // On the host the mount point stays an empty directory, and nothing is mounted at or below it.
        let sandboxes = "/run/joblet/sandboxes"
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandboxes + "/root").isEmpty)
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first?.hasPrefix(sandboxes) == true })
    }

    @Test func runtimeMountProblemsAreClearErrors() throws {
        let work = try WorkDirectory()
        var plan = SandboxHarness.plan(["true"], work: work)
        plan.runtimeMounts = [MountSpec(source: "/nonexistent/runtime", target: "/opt/x", readOnly: true)]
        let missingSource = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
        #expect(missingSource?.message == "mount /opt/x: source missing (/nonexistent/runtime)")
        #expect(missingSource?.code == .invalidPlan)

        plan.runtimeMounts = [MountSpec(source: work.path, target: "/usr/joblet-missing", readOnly: true)]
        let missingTarget = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
        #expect(missingTarget?.message.hasPrefix("mount /usr/joblet-missing: target missing inside read-only /usr") == true)

        // Found only inside the new mount namespace: reported by the child over the error pipe.
        let inner = try WorkDirectory()
        plan.runtimeMounts = [
            MountSpec(source: work.path, target: "/opt/rt", readOnly: true),
            MountSpec(source: inner.path, target: "/opt/rt/nested", readOnly: true),
        ]
        let nested = #expect(throws: SandboxError.self) { try Sandbox.spawn(plan) }
        #expect(nested?.code == .setup)
        #expect(nested?.stage == "create /opt/rt/nested")
        #expect(nested?.errno == EROFS)
    }

    @Test func runtimeFilesAndReadWriteMountsWork() async throws {
        let runtime = try WorkDirectory()
        try "setting=1\n".write(toFile: runtime.path + "/tool.conf", atomically: false, encoding: .utf8)
        let shared = try WorkDirectory()
        let run = try await SandboxHarness.sh("cat /etc/tool.conf; echo written > /srv/shared/f") { plan in
            plan.runtimeMounts = [
                MountSpec(source: runtime.path + "/tool.conf", target: "/etc/tool.conf"),
                MountSpec(source: shared.path, target: "/srv/shared", readOnly: false),
            ]
        }
        #expect(run.out == "setting=1\n", "\(run.err)")
        #expect(try String(contentsOfFile: shared.path + "/f", encoding: .utf8) == "written\n")
    }
}

/// Spare network namespaces (Isolation's SpareNetworkNamespaces) are one pool per process: the tests
/// that count them run one at a time.
@Suite(.integration(needs: [.root]), .timeLimit(.minutes(10)), .serialized)
struct SpareNetworkNamespaceTests {
    @Test func jobsGetNetworkNamespacesMadeAheadOfTimeOnlyLoopbackAndOneEach() async throws {
        try SpareNetworkNamespaces.refill(upTo: 4)
        let ready = SpareNetworkNamespaces.count
        #expect(ready >= 1)
        let script = """
            readlink /proc/self/ns/net
            tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '
            python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); c=socket.create_connection(s.getsockname()); print('connected')"
            """
        // More jobs than spares: those after them get theirs at clone. Every one is alone in its own.
        let runs = try await withThrowingTaskGroup(of: SandboxRun.self) { group in
            for _ in 0..<6 { group.addTask { try await SandboxHarness.sh(script) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        var namespaces = Set<String>()
        for run in runs {
            let lines = run.out.split(separator: "\n").map(String.init)
            #expect(lines.count == 3 && lines.dropFirst() == ["lo", "connected"], "\(run.out) \(run.err)")
            if let namespace = lines.first { namespaces.insert(namespace) }
        }
        #expect(namespaces.count == runs.count, "two jobs shared a network namespace: \(runs.map(\.out))")
        #expect(!namespaces.contains(host))
        #expect(SpareNetworkNamespaces.count < ready, "the jobs took none of the spares")
    }

    /// A worker with many slots keeps no more spares than the cap (each holds kernel memory), also when
    /// the tear-downs of several jobs refill at once.
    @Test func refillsAtOnceForManySlotsKeepAtMostTheCap() async throws {
        SpareNetworkNamespaces.drain()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { try await BlockingExecutor.shared.run { try SpareNetworkNamespaces.refill(upTo: 1000) } }
            }
            try await group.waitForAll()
        }
        #expect(SpareNetworkNamespaces.count == SpareNetworkNamespaces.maximum)
    }
}
