import CIsolation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore

/// Named volumes through idmapped mounts (Linux 5.12+, and a filesystem that supports them: ext4,
/// xfs, btrfs, tmpfs 6.3+): on disk every file of a volume belongs to one storage id, and each job
/// sees those files as its own uid's — so jobs with different uids share a volume fully, and no
/// job uid ever owns a file on the host.
///
/// An idmapped mount can only be made from a detached mount, so each volume is mounted idmapped at
/// `<directory>/<job-id>/<name>` just before the job's sandbox is cloned (which copies it into the
/// job's mount namespace, where it is bound at `/volumes/<name>`) and unmounted right after.
public struct IdmappedVolumes: Sendable {
    /// Where volumes are staged, e.g. `<state_dir>/volume-mounts`; root-only.
    public let directory: String
    /// The uid and gid that own every file of every volume on disk.
    public let storageID: UInt32

    public init(directory: String, storageID: UInt32) {
        self.directory = directory
        self.storageID = storageID
    }

    /// Unstages what a crashed predecessor left, then proves this host can idmap `source` (the
    /// volumes directory: the file system must support it). Throws why it cannot.
    public func prepare(probing source: String) throws(SandboxError) {
        try makeDirectory(directory, mode: 0o700)
        for name in DirectoryEntries.namesIfPresent(directory) { unstage(jobID: name) }
        let probe = "\(directory)/probe"
        unstage(jobID: "probe")
        try makeDirectory(probe, mode: 0o700)
        defer { unstage(jobID: "probe") }
        try mount(source, at: probe + "/volume", as: storageID)
    }

    /// Mounts each volume idmapped for `uid` and returns the mounts for the sandbox plan. On a
    /// failure nothing stays mounted.
    public func stage(_ volumes: [VolumeMount], jobID: String, uid: UInt32) throws(SandboxError) -> [VolumeMount] {
        guard !volumes.isEmpty else { return [] }
        let jobDirectory = "\(directory)/\(jobID)"
        unstage(jobID: jobID)
        do throws(SandboxError) {
            try makeDirectory(jobDirectory, mode: 0o700)
            let userNamespace = try System.call("user namespace for uid \(uid)") { joblet_userns_open(storageID, uid) }
            defer { System.close(userNamespace) }
            return try volumes.map { volume throws(SandboxError) in
                let target = "\(jobDirectory)/\(volume.name)"
                try makeDirectory(target, mode: 0o700)
                try System.call("idmapped mount of \(volume.hostPath)") {
                    joblet_idmapped_bind(volume.hostPath, target, userNamespace)
                }
                return VolumeMount(name: volume.name, hostPath: target, readOnly: volume.readOnly)
            }
        } catch {
            unstage(jobID: jobID)
            throw error
        }
    }

    /// Unmounts and removes a job's staged volumes; nothing staged is fine. The job's namespace
    /// keeps its own copies.
    public func unstage(jobID: String) {
        let jobDirectory = "\(directory)/\(jobID)"
        guard HostFile.type(jobDirectory) == .directory else { return }
        for point in MountTable.current().mountPoints(under: jobDirectory) { try? Mounts.unmount(point) }
        for name in DirectoryEntries.namesIfPresent(jobDirectory) { rmdir("\(jobDirectory)/\(name)") }
        rmdir(jobDirectory)
    }

    /// An idmapped mount of `source` at `target` (created), mapping `storageID` on disk to `uid`.
    private func mount(_ source: String, at target: String, as uid: UInt32) throws(SandboxError) {
        try makeDirectory(target, mode: 0o700)
        let userNamespace = try System.call("user namespace") { joblet_userns_open(storageID, uid) }
        defer { System.close(userNamespace) }
        try System.call("idmapped mount of \(source)") { joblet_idmapped_bind(source, target, userNamespace) }
    }

    private func makeDirectory(_ path: String, mode: mode_t) throws(SandboxError) {
        if Glibc.mkdir(path, mode) == 0 { return }
        let code = joblet_errno()
        if code == EEXIST, HostFile.type(path) == .directory { return }
        throw SandboxError.system("mkdir \(path)", errno: code)
    }

}
