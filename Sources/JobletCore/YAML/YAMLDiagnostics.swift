/// YAML's end of a decode: keys nobody asked for become warnings, and every error is placed at the
/// line and column of the node it is about.
struct YAMLDiagnostics {
    let root: YAMLNode
    let file: String?
    /// Where each mapping key was written, by the mapping's own mark (the node tree keeps only values).
    let keyMarks: [YAMLMark: [String: YAMLMark]]

    /// One warning per key no `Decodable` asked for, in document order.
    func unknownKeyWarnings(_ uses: [TreeDecodingState.KeyUse]) -> [YAMLWarning] {
        var warnings: [YAMLWarning] = []
        for use in uses where !use.askedForAll {
            guard case .yaml(let mapping) = use.mapping else { continue }
            let known = use.asked.sorted().joined(separator: ", ")
            for pair in mapping.pairs where !use.isKnown(pair.key) {
                let at = (use.path + [CodingPathKey(stringValue: pair.key)]).rendered
                let keyMark = keyMarks[mapping.mark]?[pair.key] ?? pair.value.mark
                warnings.append(
                    YAMLWarning(
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
