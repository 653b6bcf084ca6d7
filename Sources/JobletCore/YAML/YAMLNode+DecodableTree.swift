/// YAML's rules for the shared tree decoder: a quoted scalar is always a string; a plain one reads as
/// a boolean, integer or float by `YAMLScalar` and keeps its exact text when a string is wanted.
extension YAMLNode: DecodableTree {
    static var errorCode: JobletError.Code { .invalidYAML }
    static let vocabulary = TreeVocabulary(
        mapping: "a mapping", sequence: "a list", boolean: "a boolean (true or false)",
        elements: "items", missingKey: { "missing required key '\($0)'" })

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    var mapping: YAMLMapping? {
        if case .mapping(let pairs, let mark) = self { return YAMLMapping(pairs: pairs, mark: mark) }
        return nil
    }

    var elements: [YAMLNode]? {
        if case .sequence(let items, _) = self { return items }
        return nil
    }

    private var plainText: String? {
        if case .scalar(let text, _, quoted: false) = self { return text }
        return nil
    }

    var boolValue: Bool? { plainText.flatMap(YAMLScalar.bool) }

    var stringValue: String? {
        if case .scalar(let text, _, _) = self { return text }
        return nil
    }

    var doubleValue: Double? { plainText.flatMap(YAMLScalar.double) }

    func integerValue<T: FixedWidthInteger>(_ type: T.Type) -> TreeInteger<T> {
        guard let text = plainText else { return .notAnInteger }
        let signed = YAMLScalar.integer(text), unsigned = YAMLScalar.unsignedInteger(text)
        if let exact = T.isSigned ? signed.flatMap({ T(exactly: $0) }) : unsigned.flatMap({ T(exactly: $0) }) {
            return .exact(exact)
        }
        return signed != nil || unsigned != nil ? .outOfRange(found: text) : .notAnInteger
    }
}

/// The pairs of a mapping node, looked up in document order.
struct YAMLMapping: DecodableTreeMapping {
    let pairs: [(key: String, value: YAMLNode)]
    /// Where the mapping starts: absent members are placed here.
    let mark: YAMLMark

    var keys: [String] { pairs.map(\.key) }

    func value(forKey key: String) -> YAMLNode? {
        pairs.first(where: { $0.key == key })?.value
    }

    var absentValue: YAMLNode { .null(mark) }
}
