/// JSON's end of a decode: members nobody asked for are errors, and every error reads `path: what`.
enum JSONDecodingErrors {
    /// Throws for the first member (in document order of decoding) that no `Decodable` asked for.
    static func rejectUnknownKeys(_ uses: [TreeDecodingState.KeyUse]) throws {
        for use in uses {
            for key in use.mapping.keys where !use.isKnown(key) {
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
