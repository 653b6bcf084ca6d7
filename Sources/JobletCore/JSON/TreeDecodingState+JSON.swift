/// Shared by every decoder and container of one `JSONCodec.decode` call: which members each object
/// was asked for (the others are unknown fields) and the translation of errors into user messages.
final class JSONDecodingState {
    /// The members a `Decodable` asked for in one object, in the order it asked.
    final class KeyUse {
        let object: JSONObject
        let path: [any CodingKey]
        private(set) var asked: [String] = []
        private var askedSet: Set<String> = []
        var askedForAll = false

        init(object: JSONObject, path: [any CodingKey]) {
            self.object = object
            self.path = path
        }

        func ask(_ key: String) {
            if askedSet.insert(key).inserted { asked.append(key) }
        }

        func isKnown(_ key: String) -> Bool { askedForAll || askedSet.contains(key) }
    }

    private var uses: [KeyUse] = []
    private var usesByPath: [String: KeyUse] = [:]

    func keyUse(object: JSONObject, path: [any CodingKey]) -> KeyUse {
        let id = path.rendered
        if let existing = usesByPath[id] { return existing }
        let use = KeyUse(object: object, path: path)
        usesByPath[id] = use
        uses.append(use)
        return use
    }

    /// Throws for the first member (in document order of decoding) that no `Decodable` asked for.
    func rejectUnknownKeys() throws {
        for use in uses {
            for key in use.object.keys where !use.isKnown(key) {
                let path = (use.path + [CodingPathKey(stringValue: key)]).rendered
                let known = use.asked.isEmpty ? "none" : use.asked.joined(separator: ", ")
                throw JobletError(.invalidJSON, "\(path): unknown field (known: \(known))")
            }
        }
    }

    /// `path: what was expected`, the form of every decoding error.
    static func userError(_ error: any Error) -> JobletError {
        if let error = error as? JobletError, error.code == .invalidJSON { return error }
        guard let decodingError = error as? DecodingError else {
            return JobletError(.invalidJSON, "\(error)")
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            return JobletError(.invalidJSON, "\((context.codingPath + [key]).rendered): missing required field")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return JobletError(.invalidJSON, "\(context.codingPath.renderedPrefix)\(context.debugDescription)")
        @unknown default:
            return JobletError(.invalidJSON, "\(error)")
        }
    }
}
