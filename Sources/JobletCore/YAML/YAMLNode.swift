/// One node of a loaded YAML document, with where it starts in the text.
///
/// Plain scalars `~`, `null` and the empty value load as `.null`; mapping keys keep document order.
public indirect enum YAMLNode: Sendable {
    /// A scalar's text exactly as written; `quoted` is true for '…' and "…" (and block) scalars.
    case scalar(String, YAMLMark, quoted: Bool)
    case sequence([YAMLNode], YAMLMark)
    case mapping([(key: String, value: YAMLNode)], YAMLMark)
    case null(YAMLMark)

    /// Where the node starts.
    public var mark: YAMLMark {
        switch self {
        case .scalar(_, let mark, _), .sequence(_, let mark), .mapping(_, let mark), .null(let mark):
            return mark
        }
    }

    /// The value of `key` when this node is a mapping.
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs, _) = self else { return nil }
        return pairs.first(where: { $0.key == key })?.value
    }

    /// What the node is, for messages: "a list", "a mapping", "a string", "a number", "a boolean", "null".
    var kindDescription: String {
        switch self {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .null: return "null"
        case .scalar(let text, _, let quoted):
            if quoted { return "a string" }
            if YAMLScalar.bool(text) != nil { return "a boolean" }
            if YAMLScalar.double(text) != nil { return "a number" }
            return "a string"
        }
    }
}
