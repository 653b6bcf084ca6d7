import Isolation
import JobletCore

extension JobRunner {
    /// Mounts each volume's image on this host (made with its size on first use, its root owned by
    /// `storageID`) and returns where, read-only as resolved.
    func mountVolumeImages(_ volumes: [JobVolume], storageID: UInt32) async throws -> [VolumeMount] {
        let images = VolumeImages(root: config.volumesDirectory)
        var mounts: [VolumeMount] = []
        for volume in volumes {
            let path = try await images.mount(volume, storageID: storageID)
            mounts.append(VolumeMount(name: volume.name, hostPath: path, readOnly: volume.readOnly))
        }
        return mounts
    }
}
