import AMQP
import Dispatch
import JobletCore
import JobletPackages
import SystemCalls
#if canImport(Glibc)
    import Glibc
#endif

/// Writes the chunks of one deployed package to a file as they arrive, checking each against the
/// order (sender, sequence, size) and hashing on the way, so a worker holds at most the chunks in
/// flight in memory whatever the package size. Chunks are hostile input: anything out of order or of
/// the wrong size fails the deploy with a message that says what arrived. A chunk seen again (the
/// stream is re-read from its start after a reconnect) is skipped.
final class PackageReceiver: @unchecked Sendable {
    enum Outcome: Equatable { case skipped, accepted, complete }

    let order: RuntimeDeployOrder
    let path: String
    private let fd: Int32
    /// File writes run here, off the cooperative pool; the state below is touched only by `accept`,
    /// which its caller never runs concurrently.
    private let io = DispatchQueue(label: "joblet.deploy.receiver")
    private let hasher: SHA256Hasher
    private(set) var nextSeq = 0
    private(set) var received: UInt64 = 0

    /// Creates (truncating) `path`, mode 0600.
    init(order: RuntimeDeployOrder, path: String) throws {
        self.order = order
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw JobletError(.io, "cannot create \(path) for the package: \(errnoText())")
        }
        do {
            hasher = try SHA256Hasher()
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Takes chunk `seq` published by `sender`.
    /// `dropped`: the chunk's body was past the consumer's limit and never read (`Delivery.droppedBody`).
    func accept(seq: Int?, body: [UInt8], dropped: DroppedBody?, sender: String?) async throws -> Outcome {
        guard sender == order.deployer else {
            throw JobletError(.invalidArgument, "chunk published by '\(sender ?? "")', not by the deployer '\(order.deployer)'; deploy refused")
        }
        guard let seq else {
            throw JobletError(.invalidArgument, "chunk without the \(Topology.deploySeqHeader) header; publish packages with rnx runtime deploy")
        }
        if let dropped {
            throw JobletError(.invalidArgument, "chunk \(seq) is \(dropped); the package is corrupt")
        }
        if seq < nextSeq { return .skipped }
        guard seq == nextSeq, seq < order.chunks else {
            throw JobletError(.invalidArgument, "chunk \(seq) arrived where chunk \(nextSeq) of \(order.chunks) was due; the package is incomplete")
        }
        let expected = order.expectedBytes(ofChunk: seq)
        guard body.count == expected else {
            throw JobletError(.invalidArgument, "chunk \(seq) has \(body.count) bytes, expected \(expected); the package is corrupt")
        }
        hasher.update(body)
        try await write(body)
        nextSeq += 1
        received += UInt64(body.count)
        return nextSeq == order.chunks ? .complete : .accepted
    }

    /// After the last chunk: the whole file must have the order's sha256.
    func verify() throws {
        let actual = hasher.hexDigest()
        guard actual == order.sha256 else {
            throw JobletError(
                .invalidArchive,
                "sha256 mismatch: the received package has \(actual), the deploy says \(order.sha256); it was corrupted in transit or the sha256 is wrong. Nothing was installed"
            )
        }
    }

    private func write(_ body: [UInt8]) async throws {
        let fd = self.fd
        let path = self.path
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            io.async {
                do throws(Errno) {
                    try FileDescriptorIO.writeAll(fd, body)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: JobletError(.io, "cannot write the package to \(path): \(error.text)"))
                }
            }
        }
    }
}
