/// Bytes read from one of the job's output pipes, in order per stream.
public struct OutputChunk: Sendable {
    public var stream: OutputStream
    public var bytes: [UInt8]

    public init(stream: OutputStream, bytes: [UInt8]) {
        self.stream = stream
        self.bytes = bytes
    }
}
