#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A filesystem of exactly `sizeBytes`: a sparse ext4 image at `directory/image`, attached to an
/// autoclear loop device and mounted at `directory/mnt`. Whatever is written into it stops with
/// ENOSPC at its size, and the host's disk loses at most that much (the image grows as written).
/// Its root is the mount's root, so a job that has a subdirectory bound sees no host path in
/// /proc/self/mountinfo. All calls block: make and destroy it off the cooperative pool.
public final class LoopFilesystem: Sendable {
    public let directory: String
    public let sizeBytes: Int64
    /// Inodes in use right after formatting (root, lost+found): the mark of an empty filesystem.
    let emptyInodes: Int64

    public var mountPoint: String { directory + "/mnt" }
    var imagePath: String { directory + "/image" }

    /// ext4 mounted without setuid and device files, without atime writes, and without the
    /// background thread that would zero the inode tables mkfs left uninitialised.
    static let mountFlags = UInt(MS_NOSUID | MS_NODEV | MS_NOATIME)
    static let mountData = "noinit_itable"

    private init(directory: String, sizeBytes: Int64, emptyInodes: Int64) {
        self.directory = directory
        self.sizeBytes = sizeBytes
        self.emptyInodes = emptyInodes
    }

    /// Makes `directory` (which must not exist; its parent must), formats and mounts the image.
    /// On failure nothing is left behind.
    public static func create(directory: String, sizeBytes: Int64) throws(SandboxError) -> LoopFilesystem {
        try System.call("mkdir \(directory)") { mkdir(directory, 0o700) }
        do {
            return try populate(directory: directory, sizeBytes: sizeBytes)
        } catch {
            remove(directory: directory)
            throw error
        }
    }

    private static func populate(directory: String, sizeBytes: Int64) throws(SandboxError) -> LoopFilesystem {
        let image = directory + "/image"
        let mountPoint = directory + "/mnt"
        let imageFD = try System.call("create \(image)") { open(image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        defer { System.close(imageFD) }
        try System.call("ftruncate \(image)") { ftruncate(imageFD, off_t(sizeBytes)) }
        try Ext4Format.format(image)
        try System.call("mkdir \(mountPoint)") { mkdir(mountPoint, 0o700) }
        let loop = try LoopDevice.attach(imageFD)
        defer { System.close(loop.fd) }
        do {
            try Mounts.mount(loop.path, on: mountPoint, type: "ext4", flags: mountFlags, data: mountData)
        } catch {
            LoopDevice.detach(loop.fd)
            throw error
        }
        // From here the mount holds the device; closing our fd leaves autoclear to the unmount.
        do {
            let usage = try DiskUsage.of(mountPoint)
            return LoopFilesystem(directory: directory, sizeBytes: sizeBytes, emptyInodes: usage.usedInodes)
        } catch {
            try? Mounts.unmount(mountPoint)
            throw error
        }
    }

    public func usage() throws(SandboxError) -> DiskUsage { try DiskUsage.of(mountPoint) }

    /// Host bytes the image holds: what jobs wrote, even after they deleted it (no discard).
    public func imageBytes() -> Int64 {
        var info = stat()
        guard stat(imagePath, &info) == 0 else { return 0 }
        return Int64(info.st_blocks) * 512
    }

    /// True when nothing but the formatted root is left in it.
    func isEmpty() -> Bool { (try? usage().usedInodes) == emptyInodes }

    /// Unmounts it (the loop device goes with the last reference) and deletes the image.
    public func destroy() throws(SandboxError) {
        try Mounts.unmount(mountPoint)
        Self.remove(directory: directory)
    }

    /// Deletes an unmounted disk directory: its image and mount point (both are flat).
    static func remove(directory: String) {
        unlink(directory + "/image")
        rmdir(directory + "/mnt")
        rmdir(directory)
    }
}
