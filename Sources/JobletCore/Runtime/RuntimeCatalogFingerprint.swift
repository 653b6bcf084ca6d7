/// A cheap summary of a runtime base path: the change stamps (mtime, inode) of the base, its
/// subdirectories, their subdirectories and every runtime.yml. Installing, removing or renaming a
/// runtime changes a directory's mtime; editing runtime.yml in place changes the file's.
public struct RuntimeCatalogFingerprint: Sendable, Hashable {
    var stamps: [String: [Int64]]

    /// Reads the stamps now.
    public static func compute(basePath: String) -> RuntimeCatalogFingerprint {
        var stamps: [String: [Int64]] = [:]
        func record(_ path: String) {
            if let stamp = RuntimeFiles.changeStamp(path) {
                stamps[path] = [stamp.mtime, Int64(bitPattern: stamp.inode)]
            }
        }
        record(basePath)
        for name in (try? RuntimeFiles.list(basePath)) ?? [] where !name.hasPrefix(".") {
            let path = RuntimeFiles.join(basePath, name)
            guard RuntimeFiles.isDirectory(path) else { continue }
            record(path)
            record(RuntimeFiles.join(path, "runtime.yml"))
            for child in (try? RuntimeFiles.list(path)) ?? [] where !child.hasPrefix(".") {
                let childPath = RuntimeFiles.join(path, child)
                guard RuntimeFiles.isDirectory(childPath) else { continue }
                record(childPath)
                record(RuntimeFiles.join(childPath, "runtime.yml"))
            }
        }
        return RuntimeCatalogFingerprint(stamps: stamps)
    }
}
