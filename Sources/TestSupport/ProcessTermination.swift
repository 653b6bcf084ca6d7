import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Stops the daemons a test process started, from its atexit handler.
public enum ProcessTermination {
    /// SIGTERM to all, then up to 15 s each for a graceful exit (workers unmount their job disks),
    /// then SIGKILL. Plain syscalls: Foundation's waitUntilExit hangs inside an atexit handler.
    public static func terminateAtExit(_ processes: [Process]) {
        let pids = processes.map(\.processIdentifier)
        for pid in pids { kill(pid, SIGTERM) }
        for pid in pids {
            var gone = false
            for _ in 0..<150 {
                let reaped = waitpid(pid, nil, WNOHANG)
                if reaped == pid || reaped == -1 {
                    gone = true
                    break
                }
                usleep(100_000)
            }
            if !gone {
                kill(pid, SIGKILL)
                _ = waitpid(pid, nil, 0)
            }
        }
    }
}
