#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Long-lived OS threads for blocking loops (the blocking executor's workers, the sandbox
/// supervisor): they must never run on Swift's cooperative pool, whose few threads they would hold.
public enum DetachedThread {
    /// Starts `body` on a new detached pthread named `name` (at most 15 bytes, shown in
    /// /proc/<pid>/task/*/comm); throws the `pthread_create` error code.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(Errno) {
        let box = Unmanaged.passRetained(ThreadStart(name: name, body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                guard let arg else { return nil }
                Unmanaged<ThreadStart>.fromOpaque(arg).takeRetainedValue().run()
                return nil
            }, box)
        if rc != 0 {
            Unmanaged<ThreadStart>.fromOpaque(box).release()
            throw Errno(rc)
        }
        pthread_detach(thread)
    }
}

/// Carries a thread's name and closure into the new pthread.
final class ThreadStart: Sendable {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    func run() {
        nameThread()
        body()
    }

    /// pthread_setname_np is not visible from Swift's Glibc module: the name goes through /proc.
    private func nameThread() {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        try? FileDescriptorIO.writeAll(fd, Array(name.utf8.prefix(15)))
        close(fd)
    }
}
