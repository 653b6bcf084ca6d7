import JobletCore
import SystemCalls
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Volumes on a worker host: each is an ext4 image of the volume's size at
/// `<root>/<owner>/<name>/image` (sparse: the host's disk holds what was written), mounted at
/// `<root>/<owner>/<name>/mnt` from its first use until it is removed or the worker stops. Writes
/// past the size fail with ENOSPC. `<root>/<owner>/<name>/id` holds the volume's id: a copy with
/// another id is the leftover of a removed volume of the same name (this host missed the removal)
/// and is replaced by an empty one.
///
/// One volume is one file system however many jobs use it: every step on a volume holds an flock(2)
/// on its directory, so concurrent jobs (and two workers sharing `root`) never mount one image
/// twice, and an image whose loop device is still bound (a detached mount a job still holds) is
/// mounted from that device again. Built on the job disks' parts (``LoopDevice``, ``Ext4Format``,
/// ``Mounts``).
public struct VolumeImages: Sendable {
    /// The worker's `volumes_dir`.
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The host directory where `volume` is mounted, making and formatting it on first use with its
    /// root owned by `storageID` (jobs reach it through idmapped mounts, ``IdmappedVolumes``).
    /// Blocks (mkfs, mount) on a thread of its own.
    public func mount(_ volume: JobVolume, storageID: UInt32) async throws(SandboxError) -> String {
        let directory = try self.directory(owner: volume.owner, name: volume.name)
        return try await BlockingExecutor.shared.run { [self] () throws(SandboxError) in
            try makeDirectory(root, mode: 0o711)
            try makeDirectory(root + "/" + volume.owner, mode: 0o700)
            try makeDirectory(directory, mode: 0o700)
            return try locked(directory) { () throws(SandboxError) in try mountLocked(volume, directory: directory, storageID: storageID) }
        }
    }

    /// Unmounts and deletes a volume's copy on this host; none is fine.
    public func remove(owner: String, name: String) async throws(SandboxError) {
        let directory = try self.directory(owner: owner, name: name)
        try await BlockingExecutor.shared.run { [self] () throws(SandboxError) in
            guard HostFile.type(directory) == .directory else { return }
            try locked(directory) { () throws(SandboxError) in try deleteLocked(directory) }
            rmdir(directory)
            rmdir(root + "/" + owner)  // only once it is empty
        }
    }

    /// Unmounts every volume (worker shutdown); a job still running keeps its copy until it ends.
    public func unmountAll() {
        for point in MountTable.current().mountPoints(under: root) { try? Mounts.unmount(point) }
    }

    private func mountLocked(_ volume: JobVolume, directory: String, storageID: UInt32) throws(SandboxError) -> String {
        let image = directory + "/image", mountPoint = directory + "/mnt", idFile = directory + "/id"
        if readID(idFile) != volume.id { try deleteLocked(directory) }
        if isMounted(mountPoint, in: directory) { return mountPoint }

        let fresh = access(image, F_OK) != 0
        if fresh {
            let fd = try System.call("create \(image)") { open(image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
            defer { System.close(fd) }
            try System.call("ftruncate \(image)") { ftruncate(fd, off_t(volume.size.bytes)) }
            try Ext4Format.format(image)
        }
        try makeDirectory(mountPoint, mode: 0o700)
        if !fresh, let device = LoopDevice.bound(to: image),
            (try? Mounts.mount(device, on: mountPoint, type: "ext4", flags: LoopFilesystem.mountFlags, data: LoopFilesystem.mountData)) != nil
        {
            return mountPoint
        }
        let imageFD = try System.call("open \(image)") { open(image, O_RDWR | O_CLOEXEC) }
        defer { System.close(imageFD) }
        let loop = try LoopDevice.attach(imageFD)
        defer { System.close(loop.fd) }
        do {
            try Mounts.mount(loop.path, on: mountPoint, type: "ext4", flags: LoopFilesystem.mountFlags, data: LoopFilesystem.mountData)
        } catch {
            LoopDevice.detach(loop.fd)
            throw error
        }
        if fresh {
            // mkfs made the root root's; it belongs to the storage id, which each job sees as its own uid.
            try System.call("chown \(mountPoint)") { chown(mountPoint, storageID, storageID) }
            try System.call("chmod \(mountPoint)") { chmod(mountPoint, 0o755) }
            rmdir(mountPoint + "/lost+found")  // e2fsck remakes it when it needs it
            try writeID(volume.id, to: idFile)
        }
        return mountPoint
    }

    /// Unmounts the volume here and deletes its image and id (the directory stays, locked).
    private func deleteLocked(_ directory: String) throws(SandboxError) {
        try Mounts.unmount(directory + "/mnt")
        unlink(directory + "/id")
        unlink(directory + "/image")
        rmdir(directory + "/mnt")
    }

    private func readID(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { System.close(fd) }
        return (try? System.readFully(fd, count: 128)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A mount point is on another device than its parent (robust to symlinks in `root`, unlike a
    /// look in the mount table).
    private func isMounted(_ mountPoint: String, in directory: String) -> Bool {
        var point = stat(), parent = stat()
        guard lstat(mountPoint, &point) == 0, lstat(directory, &parent) == 0 else { return false }
        return point.st_dev != parent.st_dev
    }

    /// The id goes last, through a rename: an image without one is a half-made volume, made again.
    private func writeID(_ id: String, to path: String) throws(SandboxError) {
        let temporary = path + ".new"
        let fd = try System.call("create \(temporary)") { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) }
        let bytes = Array(id.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        System.close(fd)
        guard written == bytes.count else { throw SandboxError.disk("write \(temporary)", "short write") }
        try System.call("rename \(temporary)") { rename(temporary, path) }
    }

    /// `<root>/<owner>/<name>`, refusing anything that is not one plain path component each.
    private func directory(owner: String, name: String) throws(SandboxError) -> String {
        guard BrokerUserName.isValid(owner), VolumeReference.isValidName(name) else {
            throw SandboxError.disk("volume \(owner.prefix(80))/\(name.prefix(80))", "not a valid owner and volume name")
        }
        return "\(root)/\(owner)/\(name)"
    }

    /// Runs `body` holding an exclusive flock on `directory`.
    private func locked<T>(_ directory: String, _ body: () throws(SandboxError) -> T) throws(SandboxError) -> T {
        let fd = try System.call("open \(directory)") { open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { System.close(fd) }
        try System.call("flock \(directory)") { flock(fd, LOCK_EX) }
        return try body()
    }

    private func makeDirectory(_ path: String, mode: mode_t) throws(SandboxError) {
        if mkdir(path, mode) == 0 { return }
        let code = errno
        if code == EEXIST, HostFile.type(path) == .directory { return }
        throw SandboxError.system("mkdir \(path)", errno: code)
    }
}
