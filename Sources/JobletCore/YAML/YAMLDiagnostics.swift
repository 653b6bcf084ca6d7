/// Shared by every decoder and container of one `YAML.decode` call: the document, the keys each
/// mapping was asked for (to report the others as unknown), and errors not raised as `DecodingError`.
final class YAMLDecodingState {
    /// The keys a `Decodable` asked for in one mapping, identified by its coding path.
    final class KeyUse {
        let pairs: [(key: String, value: YAMLNode)]
        let mark: YAMLMark
        let path: [any CodingKey]
        var asked: Set<String> = []
        var askedForAll = false

        init(pairs: [(key: String, value: YAMLNode)], mark: YAMLMark, path: [any CodingKey]) {
            self.pairs = pairs
            self.mark = mark
            self.path = path
        }
    }

    let root: YAMLNode
    let file: String?
    let keyMarks: [YAMLMark: [String: YAMLMark]]
    private var uses: [String: KeyUse] = [:]

    init(root: YAMLNode, file: String?, keyMarks: [YAMLMark: [String: YAMLMark]]) {
        self.root = root
        self.keyMarks = keyMarks
        self.file = file
    }

    func keyUse(pairs: [(key: String, value: YAMLNode)], mark: YAMLMark, path: [any CodingKey]) -> KeyUse {
        let id = path.rendered
        if let existing = uses[id] { return existing }
        let use = KeyUse(pairs: pairs, mark: mark, path: path)
        uses[id] = use
        return use
    }

    /// One warning per key no `Decodable` asked for, in document order.
    func unknownKeyWarnings() -> [YAMLWarning] {
        var warnings: [YAMLWarning] = []
        for use in uses.values where !use.askedForAll {
            let known = use.asked.sorted().joined(separator: ", ")
            for pair in use.pairs where !use.asked.contains(pair.key) {
                let at = (use.path + [CodingPathKey(stringValue: pair.key)]).rendered
                let keyMark = keyMarks[use.mark]?[pair.key] ?? pair.value.mark
                warnings.append(YAMLWarning(
                    file: file, mark: keyMark,
                    message: "unknown key '\(at)' (ignored); known keys: \(known.isEmpty ? "none" : known)"))
            }
        }
        return warnings.sorted { $0.mark < $1.mark }
    }

    /// The node a coding path leads to, or the deepest one that exists.
    func node(at path: [any CodingKey]) -> YAMLNode {
        var current = root
        for key in path {
            switch current {
            case .mapping(let pairs, _):
                guard let next = pairs.first(where: { $0.key == key.stringValue })?.value else { return current }
                current = next
            case .sequence(let items, _):
                guard let index = key.intValue, items.indices.contains(index) else { return current }
                current = items[index]
            default:
                return current
            }
        }
        return current
    }

    /// Turns whatever a decode threw into the user-facing `file:line:column: path: what` error.
    func userError(_ error: any Error) -> JobletError {
        if let error = error as? JobletError, error.code == .invalidYAML { return error }
        guard let decodingError = error as? DecodingError else {
            return JobletError(.invalidYAML, "\(root.mark.located(in: file)): \(error)")
        }
        let path: [any CodingKey]
        let message: String
        switch decodingError {
        case .keyNotFound(let key, let context):
            path = context.codingPath
            message = "missing required key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
            message = context.debugDescription
        @unknown default:
            return JobletError(.invalidYAML, "\(root.mark.located(in: file)): \(error)")
        }
        let mark = node(at: path).mark
        return JobletError(.invalidYAML, "\(mark.located(in: file)): \(path.renderedPrefix)\(message)")
    }
}
