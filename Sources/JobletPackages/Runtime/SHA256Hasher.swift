import COpenSSL
import JobletCore

/// SHA-256 from OpenSSL's libcrypto, which librabbitmq loads anyway for TLS. It replaced swift-crypto,
/// whose Foundation import loaded ICU: a quarter of rnx's start-up page faults, 7 MiB of a worker's RSS.
package final class SHA256Hasher {
    private let context: OpaquePointer

    package init() throws {
        guard let context = EVP_MD_CTX_new() else {
            throw JobletError(.io, "sha256: libcrypto could not allocate a digest context")
        }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw JobletError(.io, "sha256: libcrypto could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Hashes `bytes` (EVP_DigestUpdate only fails on a context that was never initialised).
    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    package func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The lowercase hex digest of everything hashed; the hasher is spent afterwards.
    package func hexDigest() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &digest, &length)
        return Hex.lowercase(digest.prefix(Int(length)))
    }
}
