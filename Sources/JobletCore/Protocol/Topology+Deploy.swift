/// Names of runtime deployment (docs/PROTOCOL.md, "Deploying runtimes").
extension Topology {
    /// Direct exchange only admins may publish on: chunks of a package, routing key = deploy id.
    public static let deployExchange = "joblet.deploy"
    /// The stream queue holding one deploy's chunks.
    public static func deployQueue(deployID: String) -> String { "\(deployExchange).\(deployID)" }
    /// Header on every chunk: its 0-based sequence number.
    public static let deploySeqHeader = "x-joblet-seq"
}

extension MessageType {
    public static let runtimeChunk = "joblet.runtime.chunk.v1"
    public static let runtimeDeployReport = "joblet.runtime.deploy.report.v1"
}
