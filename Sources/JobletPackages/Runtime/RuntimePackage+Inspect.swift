import CArchive
import JobletCore

extension RuntimePackage {
    /// The runtime.yml of a package, read without extracting the package (`rnx runtime deploy` learns
    /// the runtime's name, version and architectures before sending it anywhere).
    public static func inspect(package: String) throws -> YAMLDecoded<RuntimeConfig> {
        let root = try detectRuntimeRoot(package: package)
        let wanted = root.isEmpty ? "runtime.yml" : root + "/runtime.yml"
        let reader = try ArchiveReader(file: package)
        while let entry = try reader.nextEntry() {
            let path = try ArchiveEntryPath(reader.pathname(of: entry))
            guard path.string == wanted else { continue }
            var bytes: [UInt8] = []
            var block = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = block.withUnsafeMutableBytes { reader.lib.archive_read_data(reader.handle, $0.baseAddress, $0.count) }
                guard count >= 0 else { throw prefixed(reader.invalid("cannot read runtime.yml from \(package)")) }
                if count == 0 { break }
                bytes.append(contentsOf: block[0..<count])
                guard bytes.count <= 1 << 20 else {
                    throw JobletError(.invalidRuntime, "invalid runtime package \(package): runtime.yml is over 1 MiB")
                }
            }
            do {
                return try RuntimeConfig.parse(String(decoding: bytes, as: UTF8.self))
            } catch let error as JobletError {
                throw JobletError(.invalidRuntime, "invalid runtime package \(package): \(error.message)", cause: error.cause)
            }
        }
        throw JobletError(.invalidRuntime, "could not detect runtime name: \(package) has no readable \(wanted)")
    }
}
