/// What a worker needs to fetch one runtime package from the broker: sent by `rnx runtime deploy`
/// to the dispatcher (`runtime_deploy` query), and by the dispatcher to each targeted worker
/// (`runtime_deploy` control command). The package itself is in the stream queue `queue`, as
/// `chunks` messages of `chunk_size` bytes (the last may be shorter), each with header
/// `x-joblet-seq` (0-based) and published by `deployer`.
public struct RuntimeDeployOrder: Sendable, Equatable, Codable {
    /// Largest package accepted, 64 GiB.
    public static let maxPackageBytes: UInt64 = 64 << 30
    /// `chunkSize` bounds: 4 KiB to 16 MiB (rnx sends 1 MiB).
    public static let maxChunkBytes: Int = 16 << 20
    public static let minChunkBytes: Int = 4 << 10

    /// 32 lowercase hex characters.
    public var deployID: String
    /// `joblet.deploy.<deploy_id>`.
    public var queue: String
    /// The runtime's name and version as its runtime.yml says (informational; the worker installs
    /// what the package holds).
    public var runtime: String
    /// The runtime's version, from its runtime.yml (informational too).
    public var version: String
    /// Lowercase hex SHA-256 of the whole package.
    public var sha256: String
    /// The package's size in bytes (1 B to `maxPackageBytes`).
    public var size: UInt64
    /// Bytes per chunk message; only the last may be shorter.
    public var chunkSize: Int
    /// How many chunk messages: ⌈size / chunkSize⌉.
    public var chunks: Int
    /// The broker user that publishes the chunks (an admin).
    public var deployer: String

    public init(
        deployID: String, runtime: String, version: String, sha256: String, size: UInt64, chunkSize: Int,
        deployer: String
    ) {
        self.deployID = deployID
        self.queue = Topology.deployQueue(deployID: deployID)
        self.runtime = runtime
        self.version = version
        self.sha256 = sha256
        self.size = size
        self.chunkSize = chunkSize
        self.chunks = Self.chunkCount(size: size, chunkSize: chunkSize)
        self.deployer = deployer
    }

    public static func chunkCount(size: UInt64, chunkSize: Int) -> Int {
        guard chunkSize > 0 else { return 0 }
        return Int((size + UInt64(chunkSize) - 1) / UInt64(chunkSize))
    }

    /// The byte count chunk `seq` must have.
    public func expectedBytes(ofChunk seq: Int) -> Int {
        seq < chunks - 1 ? chunkSize : Int(size - UInt64(chunkSize) * UInt64(chunks - 1))
    }

    /// Every field in range and consistent; the message names the field. Orders come off the broker.
    public func validate() throws {
        func fail(_ field: String, _ why: String) -> JobletError {
            JobletError(.invalidArgument, "deploy.\(field): \(why)")
        }
        guard Hex.isLowercase(deployID, length: 32...32) else {
            throw fail("deploy_id", "must be 32 lowercase hex characters")
        }
        guard queue == Topology.deployQueue(deployID: deployID) else {
            throw fail("queue", "must be \(Topology.deployQueue(deployID: deployID))")
        }
        guard Hex.isLowercase(sha256, length: 64...64) else {
            throw fail("sha256", "must be 64 lowercase hex characters")
        }
        guard (1...Self.maxPackageBytes).contains(size) else { throw fail("size", "must be 1 byte to 64 GiB") }
        guard (Self.minChunkBytes...Self.maxChunkBytes).contains(chunkSize) else {
            throw fail("chunk_size", "must be 4 KiB to 16 MiB")
        }
        guard chunks == Self.chunkCount(size: size, chunkSize: chunkSize) else {
            throw fail("chunks", "must be \(Self.chunkCount(size: size, chunkSize: chunkSize)) for size \(size) in chunks of \(chunkSize)")
        }
        guard (1...256).contains(runtime.utf8.count), (0...64).contains(version.utf8.count) else {
            throw fail("runtime", "name 1-256 and version up to 64 bytes")
        }
        guard (1...64).contains(deployer.utf8.count) else { throw fail("deployer", "must be a broker user name") }
    }

    enum CodingKeys: String, CodingKey {
        case deployID = "deploy_id", queue, runtime, version, sha256, size, chunkSize = "chunk_size", chunks, deployer
    }
}

/// A worker's answer to `runtime_deploy` or `runtime_remove` (`joblet.runtime.deploy.report.v1`),
/// sent to the command's `reply_to` with its `correlation_id`.
public struct RuntimeDeployReport: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        /// Chunks are arriving (`received` bytes so far); more reports follow.
        case receiving
        /// Installed (or replaced) and advertised.
        case installed
        /// Removed and no longer advertised.
        case removed
        /// Nothing changed on this worker; `message` says why.
        case failed
    }

    /// The reporting worker.
    public var workerID: String
    /// The deploy id, or for a removal the runtime name.
    public var deployID: String
    /// The runtime deployed or removed.
    public var runtime: String
    /// `receiving` while the package arrives, then one final state.
    public var state: State
    /// Package bytes received so far (with `receiving` and `installed`).
    public var received: UInt64?
    /// What happened (e.g. `replaced node-18 18 in /opt/joblet/runtimes/node/node-18`), or why it failed.
    public var message: String
    /// Seconds since the worker took the order.
    public var durationSeconds: Double

    public init(
        workerID: String, deployID: String, runtime: String, state: State, received: UInt64? = nil,
        message: String, durationSeconds: Double
    ) {
        self.workerID = workerID
        self.deployID = deployID
        self.runtime = runtime
        self.state = state
        self.received = received
        self.message = message
        self.durationSeconds = durationSeconds
    }

    /// True for the last report of an order.
    public var isFinal: Bool { state != .receiving }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id", deployID = "deploy_id", runtime, state, received, message
        case durationSeconds = "duration_seconds"
    }
}
