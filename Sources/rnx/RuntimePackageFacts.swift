import Dispatch
import JobletCore
import JobletPackages
#if canImport(Glibc)
    import Glibc
#endif

/// What rnx learns from a package before deploying it: its runtime.yml, sha256 and size.
enum RuntimePackageFacts {
    static func read(_ package: String, expectedSHA256: String?) async throws -> (RuntimeConfig, String, UInt64) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        do {
                            let config = try RuntimePackage.inspect(package: package).value
                            let digest = try RuntimePackage.sha256(file: package)
                            if let expected = expectedSHA256, expected.lowercased() != digest {
                                throw RNXError(.usage, "\(package) has sha256 \(digest), not \(expected.lowercased()); nothing was sent")
                            }
                            var info = stat()
                            guard stat(package, &info) == 0, info.st_size > 0 else {
                                throw RNXError(.io, "cannot read the size of \(package), or it is empty")
                            }
                            let size = UInt64(info.st_size)
                            return (config, digest, size)
                        } catch let error as JobletError {
                            throw RNXError(.io, error.message, cause: error.cause)
                        }
                    })
            }
        }
    }

    /// The architecture to target: `--arch` (which the package must support), else the package's
    /// only architecture; nil when it names none or several.
    static func arch(requested: String?, package config: RuntimeConfig) throws -> String? {
        let supported = Set(config.requirements.architectures.compactMap(Architecture.normalize))
        if let requested, let arch = Architecture.normalize(requested) {
            guard supported.isEmpty || supported.contains(arch) else {
                throw RNXError(.usage, "\(config.name) is built for \(supported.sorted().joined(separator: ", ")), not \(arch)")
            }
            return arch
        }
        return supported.count == 1 ? supported.first : nil
    }
}
