import CIsolation
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Starts jobs in sandboxes: new PID/mount/UTS/IPC/network/cgroup namespaces, a read-only
/// root built from the host base and runtime mounts, an unprivileged uid, no capabilities,
/// `no_new_privs` and a seccomp filter, under a tiny PID-1 init.
public enum Sandbox {
    /// The host directory every sandbox's root tmpfs is mounted on. Each child mounts it in its own
    /// mount namespace and pivot_root takes it off again, so on the host it stays empty and one
    /// directory serves every job, running at the same time or not. A directory per job cost an
    /// rmdir on the way back from every spawn: 0.5 ms, in which the kernel detaches what the child's
    /// namespace had mounted on it.
    static let rootDirectory = "/run/joblet/sandboxes/root"
    /// Stack of the clone child, which shares the worker's memory until it execs joblet-init.
    static let childStackSize = 64 << 10
    /// The kernel's default `pipe-max-size`, the most an unprivileged writer may ask for.
    static let outputPipeCapacity: Int32 = 1 << 20
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Starts `plan.argv` in a new sandbox and returns once the command has been exec'ed.
    ///
    /// Throws a ``SandboxError`` naming the failed step, e.g. `mount /opt/x: source missing`
    /// or `command not found: node`; nothing is left running when it throws.
    public static func spawn(_ plan: SandboxPlan) throws(SandboxError) -> SandboxProcess {
        guard let command = plan.argv.first, !command.isEmpty else {
            throw .invalid("exec", "argv must name a command")
        }
        guard !plan.hostname.isEmpty, plan.hostname.utf8.count <= 64 else {
            throw .invalid("sethostname", "hostname must be 1 to 64 bytes")
        }
        if plan.argv.contains(where: { $0.utf8.contains(0) }) {
            throw .invalid("exec", "argv must not contain NUL bytes")
        }
        let environment = Self.environment(for: plan)
        try makeRootDirectory()
        let layout = try SandboxLayout(plan: plan, root: rootDirectory)

        let arena = CStringArena()
        let ops = layout.steps.map { step in
            joblet_op(
                kind: step.kind, readonly: step.readOnly ? 1 : 0, flags: step.flags,
                source: arena.optional(step.source), target: arena.optional(step.target),
                fstype: arena.optional(step.fsType), data: arena.optional(step.data))
        }
        let filter = try seccompFilter.get()
        let initFD = try InitExecutable.shared.get().fd

        let cgroupDirectory = cloneIntoCgroupUnsupported.load(ordering: .relaxed) ? nil : plan.cgroup?.cloneDirectory
        let cgroupFD: Int32 =
            try cgroupDirectory.map { dir throws(SandboxError) in
                try System.call("open \(dir)") { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            } ?? -1
        defer { System.close(cgroupFD) }
        // Not cloned into its cgroup: on v1 the child moves itself in (see CgroupAttachment).
        let selfMoveFiles = cgroupFD < 0 ? plan.cgroup?.selfMoveFiles ?? [] : []
        let taskFDs = try openForSelfMove(selfMoveFiles)
        defer { closeAll(taskFDs) }
        let attachAfterClone = plan.cgroup != nil && cgroupFD < 0 && taskFDs.isEmpty
        // A job without a network of its own enters a namespace made ahead of time, when one is ready
        // (one with a network gets it at clone: its veth is moved in by the child's pid). The child
        // enters it first thing; the parent's reference goes once the spawn is over.
        let netFD = plan.network == nil ? SpareNetworkNamespaces.take() ?? -1 : -1
        defer { System.close(netFD) }
        // The child waits for a release only when something must be attached first: one wake-up less.
        let sync: (read: Int32, write: Int32) = attachAfterClone || plan.network != nil ? try System.socketPair() : (-1, -1)
        let errors: (read: Int32, write: Int32)
        let stdout: (read: Int32, write: Int32)
        let stderr: (read: Int32, write: Int32)
        do { errors = try System.pipe() } catch { closeAll([sync.read, sync.write]); throw error }
        do { stdout = try System.pipe() } catch {
            closeAll([sync.read, sync.write, errors.read, errors.write]); throw error
        }
        do { stderr = try System.pipe() } catch {
            closeAll([sync.read, sync.write, errors.read, errors.write, stdout.read, stdout.write]); throw error
        }
        // A job writing fast blocks (and wakes the supervisor) once per pipe full: 1 MiB instead of 64 KiB
        // is a sixteenth of the wake-ups. The pages are the job's (charged to its memory cgroup).
        System.growPipe(stdout.write, to: Self.outputPipeCapacity)
        System.growPipe(stderr.write, to: Self.outputPipeCapacity)
        let parentEnds = [sync.write, errors.read, stdout.read, stderr.read]

        var config = joblet_spawn_config()
        config.root = arena.optional(rootDirectory)
        config.ops = UnsafePointer(arena.buffer(ops))
        config.op_count = Int32(ops.count)
        config.hostname = arena.optional(plan.hostname)
        config.hostname_len = plan.hostname.utf8.count
        config.init_argv = UnsafePointer(arena.stringArray([InitExecutable.name] + plan.argv))
        config.envp = UnsafePointer(arena.stringArray(environment.map { "\($0.key)=\($0.value)" }))
        config.init_fd = initFD
        config.uid = plan.uid
        config.gid = plan.gid
        config.max_open_files = plan.maxOpenFiles
        config.last_cap = lastCapability
        config.filter = UnsafePointer(arena.buffer(filter))
        config.filter_len = UInt16(filter.count)
        config.sync_fd = sync.read
        config.cgroup_fd = cgroupFD
        config.cgroup_task_fds = taskFDs.isEmpty ? nil : UnsafePointer(arena.buffer(taskFDs))
        config.cgroup_task_fd_count = Int32(taskFDs.count)
        config.net_fd = netFD
        config.error_fd = errors.write
        config.stdout_fd = stdout.write
        config.stderr_fd = stderr.write
        config.stack = arena.raw(byteCount: childStackSize)
        config.stack_size = childStackSize

        var pidfd: Int32 = -1
        let pid = joblet_sandbox_clone(&config, &pidfd)
        let cloneErrno = joblet_errno()
        closeAll([sync.read, errors.write, stdout.write, stderr.write])
        // The child reads the arena (it shares our memory) until it execs or is reaped.
        defer { withExtendedLifetime(arena) {} }
        guard pid > 0 else {
            closeAll(parentEnds)
            if let cgroupDirectory {
                // A kernel without clone3 or CLONE_INTO_CGROUP (before 5.7), or a seccomp profile that
                // hides clone3: attach after clone from now on.
                if cloneErrno == ENOSYS || cloneErrno == E2BIG {
                    cloneIntoCgroupUnsupported.store(true, ordering: .relaxed)
                    return try spawn(plan)
                }
                throw SandboxError(
                    code: .cgroup, stage: "clone into cgroup", errno: cloneErrno,
                    message: "clone into cgroup \(cgroupDirectory): \(System.describe(errno: cloneErrno))")
            }
            throw .system("clone", errno: cloneErrno)
        }

        // Best effort: without it the namespace is torn down in init's exit instead.
        let mountNamespace = open("/proc/\(pid)/ns/mnt", O_RDONLY | O_CLOEXEC)

        // The child builds its root meanwhile; it is released only once in the job's cgroup and network.
        do throws(SandboxError) {
            if attachAfterClone {
                do { try plan.cgroup?.attach(pid: pid) } catch {
                    throw SandboxError(code: .cgroup, stage: "cgroup attach", message: "cgroup attach: \(error)")
                }
            }
            do { try plan.network?.attach(pid: pid) } catch {
                throw error as? SandboxError ?? SandboxError(code: .network, stage: "network", message: "network: \(error)")
            }
            if sync.write >= 0 { try System.sendByte(sync.write) }
        } catch {
            kill(pidfd: pidfd)
            // A setup step of the child that failed meanwhile explains more than what failed here.
            let reported = (try? System.readFully(errors.read, count: MemoryLayout<joblet_error_record>.size)) ?? []
            abandon(pidfd: pidfd, fds: parentEnds + [mountNamespace])
            throw reported.isEmpty ? error : failure(reported, layout: layout, command: command, selfMoveFiles: selfMoveFiles)
        }
        let record: [UInt8]
        do throws(SandboxError) {
            // EOF arrives when the command has exec'ed (CLOEXEC); a record means a step failed.
            record = try System.readFully(errors.read, count: MemoryLayout<joblet_error_record>.size)
        } catch {
            abandon(pidfd: pidfd, fds: parentEnds + [mountNamespace])
            throw error
        }
        closeAll([sync.write, errors.read])
        if !record.isEmpty {
            abandon(pidfd: pidfd, fds: [stdout.read, stderr.read, mountNamespace])
            throw failure(record, layout: layout, command: command, selfMoveFiles: selfMoveFiles)
        }
        return try SandboxProcess(
            pid: pid, pidfd: pidfd, mountNamespace: mountNamespace,
            stdout: stdout.read, stderr: stderr.read, outputLimit: plan.outputLimit)
    }

    /// The job environment plus the sandbox defaults; nothing from the worker's own environment.
    static func environment(for plan: SandboxPlan) -> [String: String] {
        var environment = plan.environment.filter { !$0.key.isEmpty && !$0.key.contains("=") }
        if environment["HOME"] == nil { environment["HOME"] = "/work" }
        if environment["TERM"] == nil { environment["TERM"] = "dumb" }
        if environment["PATH"] == nil { environment["PATH"] = defaultPath }
        if environment["JOB_ID"] == nil { environment["JOB_ID"] = plan.jobID }
        return environment
    }

    /// The seccomp program, built once: it depends only on the architecture.
    private static let seccompFilter: Result<[sock_filter], SandboxError> = {
        var filter = [sock_filter](repeating: sock_filter(), count: 128)
        let length = joblet_seccomp_filter(&filter, Int32(filter.count))
        guard length > 0 else {
            return .failure(SandboxError(code: .setup, stage: "seccomp", message: "seccomp: unsupported architecture"))
        }
        return .success(Array(filter[0..<Int(length)]))
    }()

    private static let lastCapability: Int32 = {
        let fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0, let bytes = try? System.readFully(fd, count: 16) else { return 63 }
        System.close(fd)
        let text = String(decoding: bytes.filter { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self)
        return Int32(text) ?? 63
    }()

    /// Makes sure ``rootDirectory`` exists: one `mkdir` that finds it, unless something removed it
    /// (or `/run` is new), when its parents are made too.
    private static func makeRootDirectory() throws(SandboxError) {
        if mkdir(rootDirectory, 0o700) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw .system("mkdir \(rootDirectory)", errno: errno) }
        var path = ""
        for component in rootDirectory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, path == rootDirectory ? 0o700 : 0o755) == -1, errno != EEXIST {
                throw .system("mkdir \(path)", errno: errno)
            }
        }
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds { System.close(fd) }
    }

    /// Kills and reaps a child that will not become a job.
    private static func abandon(pidfd: Int32, fds: [Int32]) {
        kill(pidfd: pidfd)
        System.close(pidfd)
        closeAll(fds)
    }

    /// SIGKILLs the child and reaps it (a reaped one stays reaped): its error pipe is then at its end.
    private static func kill(pidfd: Int32) {
        _ = joblet_pidfd_send_signal(pidfd, SIGKILL)
        var status: Int32 = 0
        _ = joblet_pidfd_wait(pidfd, &status)
    }

    /// Set once `clone3(CLONE_INTO_CGROUP)` failed as unsupported: every later spawn attaches after clone.
    private static let cloneIntoCgroupUnsupported = Atomic<Bool>(false)

    /// The `selfMoveFiles`, opened for writing (closed again should one fail to open).
    private static func openForSelfMove(_ files: [String]) throws(SandboxError) -> [Int32] {
        var fds: [Int32] = []
        for file in files {
            let fd = open(file, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let code = errno
                closeAll(fds)
                throw SandboxError(
                    code: .cgroup, stage: "cgroup attach", errno: code, message: "cgroup attach: open \(file): \(System.describe(errno: code))")
            }
            fds.append(fd)
        }
        return fds
    }

    private static func failure(_ bytes: [UInt8], layout: SandboxLayout, command: String, selfMoveFiles: [String]) -> SandboxError {
        guard bytes.count == MemoryLayout<joblet_error_record>.size else {
            return SandboxError(code: .setup, message: "sandbox setup: truncated error report")
        }
        let record = bytes.withUnsafeBytes { $0.loadUnaligned(as: joblet_error_record.self) }
        let code = record.err
        let reason = System.describe(errno: code)
        let stage: String
        switch UInt32(record.stage) {
        case JOBLET_STAGE_EXEC.rawValue:
            if code == ENOENT {
                return SandboxError(
                    code: .commandNotFound, stage: "exec", errno: code,
                    message: "command not found: \(command)")
            }
            if code == EACCES {
                return SandboxError(
                    code: .commandNotFound, stage: "exec", errno: code,
                    message: "command not executable: \(command) (permission denied)")
            }
            stage = "exec \(command)"
        case JOBLET_STAGE_CGROUP_SELF_MOVE.rawValue:
            let index = Int(record.op_index)
            let file = selfMoveFiles.indices.contains(index) ? selfMoveFiles[index] : "tasks file \(index)"
            return SandboxError(code: .cgroup, stage: "cgroup attach", errno: code, message: "cgroup attach: write \(file): \(reason)")
        case JOBLET_STAGE_SETNS_NET.rawValue:
            stage = "enter network namespace"
        case JOBLET_STAGE_OP.rawValue:
            let index = Int(record.op_index)
            stage = layout.steps.indices.contains(index) ? layout.steps[index].stage : "setup step \(index)"
        default:
            stage = stageNames[record.stage] ?? "setup stage \(record.stage)"
        }
        return SandboxError(code: .setup, stage: stage, errno: code, message: "\(stage): \(reason)")
    }

    private static let stageNames: [Int32: String] = [
        Int32(JOBLET_STAGE_FDS.rawValue): "file descriptors",
        Int32(JOBLET_STAGE_SYNC.rawValue): "sync",
        Int32(JOBLET_STAGE_UNSHARE_CGROUP.rawValue): "unshare cgroup namespace",
        Int32(JOBLET_STAGE_MAKE_PRIVATE.rawValue): "make / private",
        Int32(JOBLET_STAGE_PIVOT_ROOT.rawValue): "pivot_root",
        Int32(JOBLET_STAGE_UMOUNT_OLD_ROOT.rawValue): "detach old root",
        Int32(JOBLET_STAGE_CHDIR.rawValue): "chdir /work",
        Int32(JOBLET_STAGE_HOSTNAME.rawValue): "sethostname",
        Int32(JOBLET_STAGE_LOOPBACK.rawValue): "loopback up",
        Int32(JOBLET_STAGE_RLIMIT.rawValue): "setrlimit",
        Int32(JOBLET_STAGE_CAPBSET.rawValue): "drop bounding capabilities",
        Int32(JOBLET_STAGE_SETGROUPS.rawValue): "setgroups",
        Int32(JOBLET_STAGE_SETGID.rawValue): "setgid",
        Int32(JOBLET_STAGE_SETUID.rawValue): "setuid",
        Int32(JOBLET_STAGE_CAPSET.rawValue): "capset",
        Int32(JOBLET_STAGE_AMBIENT.rawValue): "clear ambient capabilities",
        Int32(JOBLET_STAGE_NO_NEW_PRIVS.rawValue): "no_new_privs",
        Int32(JOBLET_STAGE_SECCOMP.rawValue): "seccomp",
        Int32(JOBLET_STAGE_FORK.rawValue): "fork command",
        Int32(JOBLET_STAGE_STDIO.rawValue): "stdio",
        Int32(JOBLET_STAGE_INIT.rawValue): "exec joblet-init",
    ]
}
