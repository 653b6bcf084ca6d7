import Isolation
import JobletCore

/// Package-manager caches (runtime.yml `package_manager.cache_volume`): a volume per submitter and
/// runtime, mounted at `/volumes/<cache_volume>` in every job of that runtime, with the package
/// manager's cache setting pointed at it, so `pip install` / `npm install` reuse what an earlier job
/// of the same submitter downloaded. Another submitter's jobs get their own: a cache is written by
/// jobs, so sharing one would let one tenant plant packages for another.
extension JobRunner {
    /// Sparse: the host's disk holds what was written.
    static let packageCacheSize = ByteSize(bytes: 2 << 30)
    /// A constant id: the cache is never removed and made again under the same name.
    static let packageCacheID = "package-cache-v1"

    /// Where the caches live: `<volumes_dir>/.caches/<submitter>/<runtime>`, a root of their own, so a
    /// cache never meets a volume of the same name; `.caches` is never a volume owner (broker user
    /// names have no dots), so no volume removal reaches it.
    var packageCacheRoot: String { config.volumesDirectory + "/.caches" }

    /// The job's cache mounted on this host, or nil (no cache declared, volumes unavailable, or it
    /// could not be made: then the job runs without one, as before).
    func packageCache(for message: JobMessage, runtime: InstalledRuntime?) async -> VolumeMount? {
        guard let runtime, let name = runtime.packageManager?.cacheVolume, volumeMounts != nil,
            VolumeReference.isValidName(name), !(message.volumes ?? []).contains(where: { $0.name == name })
        else { return nil }
        let volume = JobVolume(
            owner: message.submitter, name: runtime.descriptor.id, size: Self.packageCacheSize,
            readOnly: false, id: Self.packageCacheID)
        do {
            let path = try await VolumeImages(root: packageCacheRoot).mount(volume, storageID: config.volumeOwner)
            return VolumeMount(name: name, hostPath: path)
        } catch {
            logger.warning(
                "no package cache for this job",
                metadata: [
                    "job": "\(message.jobID)", "cache": "\(name)",
                    "error": "\(error)",
                ])
            return nil
        }
    }

    /// The package manager's cache setting pointed at the mounted cache, unless the job set it.
    func packageCacheEnvironment(
        _ environment: [String: String], cache: VolumeMount?, runtime: InstalledRuntime?,
        request: JobRequest
    ) -> [String: String] {
        guard let cache, let type = runtime?.packageManager?.type else { return environment }
        let path = "/volumes/" + cache.name
        var settings = ["JOBLET_PACKAGE_CACHE": path]
        switch type {
        case "pip": settings["PIP_CACHE_DIR"] = path
        case "npm": settings["npm_config_cache"] = path
        case "maven": settings["MAVEN_OPTS"] = "-Dmaven.repo.local=\(path)"
        default: break
        }
        var merged = environment
        for (key, value) in settings where request.env?[key] == nil { merged[key] = value }
        return merged
    }
}
