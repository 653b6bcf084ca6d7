/// What a worker advertises about one installed runtime, and what routing resolves specs against.
public struct RuntimeDescriptor: Sendable, Hashable, Codable {
    /// Canonical id, e.g. `python-3.11-ml`; also the queue name part `<id>@<arch>`.
    public var id: String
    /// runtime.yml `language`, else derived from the name (`python`).
    public var language: String
    /// runtime.yml `version` (`3.11`); specs like `python:3` pick the highest that matches.
    public var version: String
    /// runtime.yml `tags`, else derived from the name (`ml`); a spec's `+tag`s must all be here.
    public var tags: [String]
    /// `static`, `managed` or `system` (runtime.yml `type`).
    public var type: String
    /// runtime.yml `description`, for people.
    public var description: String
    /// Normalised architectures the runtime supports (`x86_64`, `aarch64`); empty means any.
    public var architectures: [String]
    /// `requirements.min_memory` in bytes, when the runtime states one.
    public var minMemory: Int64?

    public init(
        id: String, language: String, version: String, tags: [String] = [], type: String = "managed",
        description: String = "", architectures: [String] = [], minMemory: Int64? = nil
    ) {
        self.id = id
        self.language = language
        self.version = version
        self.tags = tags
        self.type = type
        self.description = description
        self.architectures = architectures
        self.minMemory = minMemory
    }

    enum CodingKeys: String, CodingKey {
        case id, language, version, tags, type, description, architectures
        case minMemory = "min_memory"
    }
}
