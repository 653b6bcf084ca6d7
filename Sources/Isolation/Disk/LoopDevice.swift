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
            ensureNode(path)
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

    /// Makes the device node `/dev/loopN` when it is missing: in a container, /dev holds only the nodes
    /// that existed when it started, while the kernel adds loop devices on demand. The number comes
    /// from `/sys/block/loopN/dev`; failing here leaves the error to the open that follows.
    static func ensureNode(_ path: String) {
        guard access(path, F_OK) != 0, let name = path.split(separator: "/").last else { return }
        let fd = open("/sys/block/\(name)/dev", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let text = String(decoding: (try? System.readFully(fd, count: 64)) ?? [], as: UTF8.self)
        System.close(fd)
        let numbers = text.split(whereSeparator: { $0 == ":" || $0.isWhitespace }).compactMap { UInt32($0) }
        guard numbers.count == 2 else { return }
        _ = mknod(path, S_IFBLK | 0o660, deviceNumber(major: numbers[0], minor: numbers[1]))
    }

    /// glibc's makedev, which Swift does not import (it is a macro).
    static func deviceNumber(major: UInt32, minor: UInt32) -> dev_t {
        let major = UInt64(major), minor = UInt64(minor)
        return dev_t(((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff))
    }

    /// True when this host can make loop devices at all.
    static var isAvailable: Bool { access(controlPath, R_OK | W_OK) == 0 }
}
