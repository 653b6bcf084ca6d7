/// Files sent with a job: a gzip-compressed tar, base64 in JSON, extracted securely into `/work`.
public struct JobUpload: Sendable, Equatable, Codable {
    /// Only `tar.gz` for now; named so other formats can be added without a new message version.
    public var format: String
    /// Base64 of the archive bytes.
    public var data: String
    /// Total size of the files once extracted, as measured by the sender (informational).
    public var size: Int64?

    public init(format: String = "tar.gz", data: String, size: Int64? = nil) {
        self.format = format
        self.data = data
        self.size = size
    }

    public init(archive: [UInt8], size: Int64? = nil) {
        self.init(data: Base64.encode(archive), size: size)
    }

    /// The archive bytes, or a clear error when `data` is not base64.
    public func archiveBytes() throws -> [UInt8] {
        guard format == "tar.gz" else {
            throw JobletError(.invalidArgument, "upload.format: \"\(format)\" is not supported; use \"tar.gz\"")
        }
        guard let bytes = Base64.decode(data) else {
            throw JobletError(.invalidArgument, "upload.data: expected base64 of a tar.gz archive")
        }
        return bytes
    }
}
