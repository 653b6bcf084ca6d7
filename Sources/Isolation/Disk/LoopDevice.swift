import CIsolation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Loop devices through `/dev/loop-control` and the loop ioctls (no losetup).
enum LoopDevice {
    static let controlPath = "/dev/loop-control"

    /// Binds the open image `backingFD` to a free loop device with autoclear; returns the device's
    /// open fd (the caller mounts it, then closes the fd) and its path. Another process can take
    /// the device between LOOP_CTL_GET_FREE and the bind (EBUSY): then the next free one is tried.
    static func attach(_ backingFD: Int32) throws(SandboxError) -> (fd: Int32, path: String) {
        let control = try System.call("open \(controlPath)") { open(controlPath, O_RDWR | O_CLOEXEC) }
        defer { System.close(control) }
        for _ in 0..<64 {
            let index = try System.call("LOOP_CTL_GET_FREE") { joblet_loop_get_free(control) }
            let path = "/dev/loop\(index)"
            let fd = try System.call("open \(path)") { open(path, O_RDWR | O_CLOEXEC) }
            if joblet_loop_attach(fd, backingFD) == 0 { return (fd, path) }
            let code = joblet_errno()
            System.close(fd)
            if code != EBUSY { throw SandboxError.system("LOOP_CONFIGURE \(path)", errno: code) }
        }
        throw SandboxError.disk("attach loop device", "every free loop device was taken by somebody else (64 tries)")
    }

    /// Unbinds a device whose mount failed at once (autoclear would too, at the fd's last close).
    static func detach(_ fd: Int32) {
        _ = joblet_loop_detach(fd)
    }

    /// True when this host can make loop devices at all.
    static var isAvailable: Bool { access(controlPath, R_OK | W_OK) == 0 }
}
