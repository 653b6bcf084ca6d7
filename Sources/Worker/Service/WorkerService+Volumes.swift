import Isolation
import JobletCore
import Logging

extension WorkerService {
    /// `volume_remove` (from the dispatcher only, like every control command): the volume was
    /// removed, so its copy on this host goes, data and all.
    func removeVolume(_ command: ControlCommand) async {
        guard let owner = command.owner, let name = command.volume,
            BrokerUserName.isValid(owner), VolumeReference.isValidName(name)
        else {
            logger.warning("ignoring volume_remove without a valid owner and volume name")
            return
        }
        do {
            try await VolumeImages(root: config.volumesDirectory).remove(owner: owner, name: name)
            logger.info("volume removed", metadata: ["owner": "\(owner)", "volume": "\(name)"])
        } catch {
            logger.warning("could not remove a volume", metadata: ["owner": "\(owner)", "volume": "\(name)", "error": "\(error)"])
        }
    }

    /// Worker shutdown: volumes are mounted from first use until then.
    func unmountVolumes() {
        VolumeImages(root: config.volumesDirectory).unmountAll()
    }
}
