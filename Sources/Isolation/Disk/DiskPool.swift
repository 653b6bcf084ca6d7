#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore
import SystemCalls

/// Loop-backed job disks under one directory (the worker's `<state_dir>/disks`), each at
/// `<directory>/<n>/{image,mnt}`.
///
/// Making a disk costs ~20 ms (mkfs, loop attach, mount); emptying a barely used one costs a
/// few unlinks. So a disk given back that its job hardly used (few inodes, a small image, not
/// full) is emptied and kept for the next job of the same size, up to `maxIdle` disks (the oldest
/// idle one goes when a newer one is kept); any other is destroyed, which also gives its image's space back to the host at once. Freed blocks stay
/// allocated in a kept image (no discard), which is why the image's size decides too.
public final class DiskPool: @unchecked Sendable {
    public let directory: String
    public let maxIdle: Int
    /// A disk is kept only when its job left at most this many inodes in use…
    public var reuseMaxInodes: Int64 = 1024
    /// …and its image holds at most this much of the host's disk (and at most half its size).
    public var reuseMaxImageBytes: Int64 = 32 << 20

    /// Emptying a kept disk is tried this often, this far apart, before the disk is destroyed instead.
    static let clearAttempts = 4
    static let clearRetryMicroseconds: UInt32 = 20_000

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var idle: [LoopFilesystem] = []
    private var releasing = 0
    /// ``shutdown()`` waiting for `releasing` to reach 0 (in async code: a thread of the blocking
    /// executor waiting for releases queued behind it could wait forever).
    private var releaseWaiters: [CheckedContinuation<Void, Never>] = []
    private var nextNumber = 0

    public init(directory: String, maxIdle: Int) {
        self.directory = directory
        self.maxIdle = maxIdle
    }

    /// Unmounts and deletes every disk a crashed predecessor left under `directory`; returns how
    /// many. Mounts first (deepest first), then the directories, so no loop device stays bound.
    public func removeLeftovers() throws(SandboxError) -> Int {
        for point in MountTable.current().mountPoints(under: directory) { try Mounts.unmount(point) }
        if access(directory, F_OK) != 0 {
            try System.call("mkdir \(directory)") { mkdir(directory, 0o700) }
            return 0
        }
        let names = DirectoryEntries.namesIfPresent(directory)
        for name in names { LoopFilesystem.remove(directory: directory + "/" + name) }
        return names.count
    }

    /// A disk of `sizeBytes` with an empty root: an idle one, else a new one (made on the blocking executor).
    public func acquire(sizeBytes: Int64) async throws(SandboxError) -> JobDisk {
        let reused: LoopFilesystem? = lock.withLock {
            guard let index = idle.firstIndex(where: { $0.sizeBytes == sizeBytes }) else { return nil }
            return idle.remove(at: index)
        }
        if let reused { return JobDisk(filesystem: reused) }
        let path = lock.withLock { () -> String in
            nextNumber += 1
            return directory + "/\(nextNumber)"
        }
        let filesystem = try await BlockingExecutor.shared.run { () throws(SandboxError) in
            try LoopFilesystem.create(directory: path, sizeBytes: sizeBytes)
        }
        return JobDisk(filesystem: filesystem)
    }

    /// Makes a small disk and destroys it: proves loop devices, mkfs.ext4 and mounting work here
    /// before any job is accepted.
    public func probe() async throws(SandboxError) {
        let disk = try await acquire(sizeBytes: 16 << 20)
        try await BlockingExecutor.shared.run { () throws(SandboxError) in try disk.filesystem.destroy() }
    }

    /// Makes a disk and keeps it idle, for the first job of that size.
    public func warm(sizeBytes: Int64) async throws(SandboxError) {
        let disk = try await acquire(sizeBytes: sizeBytes)
        lock.withLock { idle.append(disk.filesystem) }
    }

    /// Takes a disk back once its job is over (no process of the job left), on the blocking executor:
    /// emptying or unmounting a full disk can take a while. `clear` removes directory trees
    /// without following symlinks (the worker's removal); it runs only on a disk being kept.
    /// Returns why the disk was destroyed rather than kept (nil: kept). `first` runs on the same trip
    /// before anything else (the rest of a job's blocking teardown: one trip instead of two).
    @discardableResult
    public func release(
        _ disk: JobDisk, first: (@Sendable () -> Void)? = nil, clear: @escaping @Sendable ([String]) throws -> Void
    ) async -> String? {
        lock.withLock { releasing += 1 }
        let filesystem = disk.filesystem
        let refusal = await BlockingExecutor.shared.run { [self] () -> String? in
            first?()
            if let refusal = recycle(filesystem, clear: clear) {
                try? filesystem.destroy()
                return refusal
            }
            // The latest sizes are the likeliest next: a full pool gives up its oldest disk.
            let evicted: LoopFilesystem? = lock.withLock {
                idle.append(filesystem)
                return idle.count > maxIdle ? idle.removeFirst() : nil
            }
            try? evicted?.destroy()
            return nil
        }
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            releasing -= 1
            guard releasing == 0 else { return [] }
            defer { releaseWaiters = [] }
            return releaseWaiters
        }
        for waiter in waiters { waiter.resume() }
        return refusal
    }

    /// Empties a barely used disk for the next job. Nil when it is empty and can be kept, else why not.
    private func recycle(_ filesystem: LoopFilesystem, clear: ([String]) throws -> Void) -> String? {
        guard maxIdle > 0 else { return "the pool keeps no idle disks" }
        guard let usage = try? filesystem.usage() else { return "its usage could not be read" }
        if usage.isNearlyFull { return "it is nearly full" }
        let inodes = usage.usedInodes - filesystem.emptyInodes
        if inodes > reuseMaxInodes { return "its job left \(inodes) inodes in use" }
        let image = filesystem.imageBytes()
        if image > min(reuseMaxImageBytes, filesystem.sizeBytes / 2) { return "its image holds \(image) bytes" }
        // Retried before the disk is given up: whatever still holds a file for a moment after the job
        // should not cost the next job a new disk.
        for attempt in 0..<Self.clearAttempts {
            if attempt > 0 { usleep(Self.clearRetryMicroseconds) }
            let entries = DirectoryEntries.namesIfPresent(filesystem.mountPoint).filter { $0 != "lost+found" }
            try? clear(entries.map { filesystem.mountPoint + "/" + $0 })
            if filesystem.isEmpty() { return nil }
        }
        let left = ((try? filesystem.usage().usedInodes) ?? -1) - filesystem.emptyInodes
        return "\(left) inodes were still in use after emptying it"
    }

    /// Waits for disks being given back, then destroys the idle ones (worker shutdown).
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock { () -> Bool in
                if releasing == 0 { return true }
                releaseWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        let disks = lock.withLock { () -> [LoopFilesystem] in
            defer { idle = [] }
            return idle
        }
        await BlockingExecutor.shared.run {
            for disk in disks { try? disk.destroy() }
        }
    }

    /// How many disks are idle (tests, metrics).
    public var idleCount: Int { lock.withLock { idle.count } }
}
