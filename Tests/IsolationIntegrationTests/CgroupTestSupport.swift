import Glibc
import Synchronization
import Testing
@testable import Isolation

/// A `/bin/sh -c 'read _ ; exec CMD'` child that waits on its stdin until released, so it can be
/// attached to a cgroup before it runs the command (what the sandbox does with its sync pipe).
struct GatedProcess {
    let pid: pid_t
    private let gate: Int32
    private let output: Int32

    /// pipe2 is not imported: pipe + FD_CLOEXEC under one lock keeps parallel tests' children
    /// from inheriting each other's pipe ends (which would delay EOF).
    private static let spawnLock = Mutex(())

    static func spawn(_ command: String) throws -> GatedProcess {
        try spawnLock.withLock { _ in try spawnLocked(command) }
    }

    private static func spawnLocked(_ command: String) throws -> GatedProcess {
        var stdinPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&outPipe) == 0 else { throw CgroupError(.system, "pipe failed") }
        for fd in stdinPipe + outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 2)
        let args = ["/bin/sh", "-c", "read _ ; exec " + command]
        let env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
        var argv = args.map { strdup($0) } + [nil]
        var envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, &envp)
        close(stdinPipe[0])
        close(outPipe[1])
        guard rc == 0 else { throw CgroupError(.system, "posix_spawn failed: \(rc)") }
        return GatedProcess(pid: pid, gate: stdinPipe[1], output: outPipe[0])
    }

    /// Lets the shell exec the command.
    func release() {
        _ = "\n".withCString { Glibc.write(gate, $0, 1) }
        close(gate)
    }

    /// Reads the output to EOF and reaps the shell; returns the raw wait status.
    func finish() -> (status: Int32, output: String) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, 4096) }
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status, String(decoding: bytes, as: UTF8.self))
    }
}

/// Wait-status helpers (the C macros are not imported into Swift).
func exitedNormally(_ status: Int32) -> Bool { status & 0x7f == 0 }
func terminatingSignal(_ status: Int32) -> Int32? { (status & 0x7f) != 0 && (status & 0x7f) != 0x7f ? status & 0x7f : nil }

/// Every cgroup test runs as root on a real kernel (`.integration(needs: [.root])` on each suite).
enum CgroupTestHost {
    /// A manager with parents private to one test, so tests running in parallel (and
    /// `cleanupLeftovers`) never touch each other's jobs or a real worker's.
    static func manager(_ tag: String, allowUnenforced: Bool = false, defaultPids: Int = 1024) throws -> CgroupManager {
        let unique = "joblet-test-\(getpid())-\(tag)"
        return try CgroupManager(
            configuration: CgroupConfiguration(
                v2Root: "/sys/fs/cgroup/\(unique).slice", v1Name: unique,
                defaultPids: defaultPids, allowUnenforced: allowUnenforced))
    }

    /// Removes the per-test parents created by `manager(_:)`.
    static func dropParents(_ manager: CgroupManager) {
        switch manager.mode {
        case .v2: try? JobCgroup.removeTree(manager.configuration.v2Root)
        case .v1Hybrid: for dir in Set(manager.v1Parents.values) { try? JobCgroup.removeTree(dir) }
        case .none: break
        }
    }

    /// A directory on a real block device for the io test: `JOBLET_TEST_IO_DIR`, else /var/tmp.
    static let ioDirectory: String? = {
        let dir = getenv("JOBLET_TEST_IO_DIR").map { String(cString: $0) } ?? "/var/tmp"
        return (try? BlockDevice.holding(dir)) != nil ? dir : nil
    }()

    /// A mounted tmpfs (no block device behind it), /dev/shm when there is one.
    static let tmpfsDirectory: String? = {
        guard let mounts = try? CgroupFS.read("/proc/self/mounts") else { return nil }
        var tmpfs: [String] = []
        for line in mounts.split(whereSeparator: \.isNewline) {
            let fields: [Substring] = line.split(separator: " ")
            if fields.count > 2 && fields[2] == "tmpfs" { tmpfs.append(String(fields[1])) }
        }
        return tmpfs.contains("/dev/shm") ? "/dev/shm" : tmpfs.first
    }()

    /// True while `pid` exists and is not a zombie waiting for a reaper.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? CgroupFS.read("/proc/\(pid)/stat"),
            let afterName = stat.split(separator: ")").last
        else { return false }
        return afterName.dropFirst().first != "Z"
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    /// Polls `condition` up to `seconds`; returns whether it became true.
    static func eventually(seconds: Int, _ condition: () -> Bool) -> Bool {
        for _ in 0..<(seconds * 100) {
            if condition() { return true }
            CgroupFS.pause(milliseconds: 10)
        }
        return condition()
    }

    /// A file of the job's cgroup for `controller` (v2 ignores the controller).
    static func file(_ job: JobCgroup, v1Controller: String, _ name: String) -> String? {
        switch job.layout {
        case .v2(let dir): return dir + "/" + name
        case .v1(let dirs): return dirs[v1Controller].map { $0 + "/" + name }
        case .none: return nil
        }
    }
}
