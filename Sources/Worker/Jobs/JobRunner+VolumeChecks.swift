import JobletCore
import JobletMessaging

extension JobRunner {
    /// A job message's volumes become host paths and sizes: each is checked again here (hostile
    /// input), and the request's volumes must all have been resolved by the dispatcher.
    static func validateVolumes(_ message: JobMessage) throws(PoisonMessage) {
        let resolved = message.volumes ?? []
        guard resolved.count == (message.request.volumes ?? []).count else {
            throw PoisonMessage(
                "volumes: \(resolved.count) resolved for \((message.request.volumes ?? []).count) requested; the dispatcher resolves every volume (owner, size)"
            )
        }
        guard Set(resolved.map(\.name)).count == resolved.count else {
            throw PoisonMessage("volumes: two volumes of one name; each is mounted at /volumes/<name>")
        }
        for volume in resolved {
            do { try volume.validate() } catch { throw PoisonMessage(error.message) }
        }
    }
}
