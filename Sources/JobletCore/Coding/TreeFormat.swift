/// Which format a tree came from: what its messages say and which errors are its own.
enum TreeFormat {
    case json, yaml

    var vocabulary: TreeVocabulary {
        switch self {
        case .json: return JSONValue.vocabulary
        case .yaml: return YAMLNode.vocabulary
        }
    }

    /// Its own errors (`.invalidJSON`, `.invalidYAML`) pass through a nested `init(from:)` unchanged;
    /// any other error becomes a `DecodingError` at the path being decoded.
    var errorCode: JobletError.Code {
        switch self {
        case .json: return JSONValue.errorCode
        case .yaml: return YAMLNode.errorCode
        }
    }
}
