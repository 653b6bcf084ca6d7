/// What a user asks for with `--runtime`: `python:3.11+ml`, `python:3`, `node:20`, a canonical id such as
/// `python-3.11-ml`, each optionally pinned to an architecture with `@x86_64` / `@aarch64`.
///
/// A spec is resolved to one installed runtime by ``RuntimeResolver``.
public struct RuntimeSpec: Sendable, Hashable, CustomStringConvertible {
    /// The language, lowercased (`python`).
    public var language: String
    /// The requested version or version prefix (`3.11`, `3`); `nil` means any version.
    public var version: String?
    /// Tags that the runtime must all have (`ml`), sorted.
    public var tags: [String]
    /// The canonical id when the spec was written as one (`python-3.11-ml`); it is matched exactly first.
    public var id: String?
    /// Normalised architecture constraint (`x86_64`, `aarch64`), if any.
    public var architecture: String?

    /// The forms accepted, quoted in every parse error.
    public static let acceptedForms =
        "expected language[:version][+tag...][@arch] (e.g. python:3.11+ml, python:3, node:20, java:17) "
        + "or a runtime id (e.g. python-3.11-ml), with arch x86_64 (amd64) or aarch64 (arm64)"

    public init(
        language: String, version: String? = nil, tags: [String] = [], id: String? = nil,
        architecture: String? = nil
    ) {
        self.language = language
        self.version = version
        self.tags = tags.sorted()
        self.id = id
        self.architecture = architecture
    }

    /// Parses a spec; errors are `JobletError(.invalidSpec)` quoting ``acceptedForms``.
    public init(parsing text: String) throws {
        let spec = text.trimmingWhitespace()
        func invalid(_ why: String) -> JobletError {
            JobletError(.invalidSpec, "invalid runtime spec \"\(text)\": \(why); \(RuntimeSpec.acceptedForms)")
        }
        guard !spec.isEmpty else { throw invalid("it is empty") }

        var body = Substring(spec)
        var architecture: String?
        if let at = body.firstIndex(of: "@") {
            let archText = String(body[body.index(after: at)...])
            guard let arch = RuntimeArchitecture.normalize(archText) else {
                throw invalid("unknown architecture \"\(archText)\"")
            }
            architecture = arch
            body = body[..<at]
        }
        let lowered = body.lowercased()

        if lowered.contains(":") || lowered.contains("+") || !lowered.contains("-") {
            // language[:version][+tag...]
            var parts = lowered.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
            let head = parts.removeFirst()
            let tags = parts
            let headParts = head.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard headParts.count <= 2 else { throw invalid("more than one ':'") }
            let language = headParts[0]
            guard RuntimeSpec.isWord(language), language.first?.isLetter == true else {
                throw invalid("\"\(language)\" is not a language name")
            }
            var version: String?
            if headParts.count == 2 {
                guard RuntimeSpec.isVersion(headParts[1]) else {
                    throw invalid("\"\(headParts[1])\" is not a version like 3.11")
                }
                version = headParts[1]
            }
            for tag in tags where !RuntimeSpec.isWord(tag) {
                throw invalid("\"\(tag)\" is not a tag name")
            }
            self.init(language: language, version: version, tags: tags, architecture: architecture)
        } else {
            // A canonical id such as python-3.11-ml.
            guard RuntimeSpec.isRuntimeName(lowered) else { throw invalid("\"\(lowered)\" is not a runtime id") }
            let derived = RuntimeName.split(lowered)
            guard !derived.version.isEmpty else {
                throw invalid("runtime id \"\(lowered)\" has no version component (like python-3.11)")
            }
            self.init(
                language: derived.language, version: derived.version, tags: derived.tags, id: lowered,
                architecture: architecture)
        }
    }

    /// Canonical text: the id when given as one, else `language:version+tags`, plus `@arch`.
    public var description: String {
        var text: String
        if let id {
            text = id
        } else {
            text = language
            if let version { text += ":\(version)" }
            for tag in tags { text += "+\(tag)" }
        }
        if let architecture { text += "@\(architecture)" }
        return text
    }

    static func isWord(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
    }

    static func isVersion(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { isWord(String($0)) } && text.first?.isNumber == true
    }

    /// A runtime name usable as a directory and queue name: `[a-z0-9][a-z0-9._-]*`, no `..`.
    static func isRuntimeName(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first.isNumber,
            text.count <= 128, !text.contains("..")
        else { return false }
        return text.allSatisfy {
            ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" || $0 == "_"
        }
    }
}
