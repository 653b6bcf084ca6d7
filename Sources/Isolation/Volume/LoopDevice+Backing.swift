#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import JobletCore

extension LoopDevice {
    /// The loop device already bound to `image` (`/sys/block/loopN/loop/backing_file`), if any.
    /// A volume whose mount was detached while a job still holds it keeps its device bound: the
    /// volume is then mounted from that same device (one file system), never from a second one,
    /// which would mount the image twice and corrupt it.
    static func bound(to image: String) -> String? {
        guard let resolved = realpath(image, nil) else { return nil }
        let target = String(cString: resolved)
        free(resolved)
        for name in DirectoryEntries.namesIfPresent("/sys/block") where name.hasPrefix("loop") {
            let fd = open("/sys/block/\(name)/loop/backing_file", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let bytes = (try? System.readFully(fd, count: 4096)) ?? []
            System.close(fd)
            let backing = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init)
            if backing == target {
                ensureNode("/dev/" + name)
                return "/dev/" + name
            }
        }
        return nil
    }
}
