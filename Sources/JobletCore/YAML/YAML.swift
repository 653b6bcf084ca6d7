/// YAML loading over libyaml: one document, line:column in every error, unknown keys as warnings.
public enum YAML {
    /// Loads one document into a node tree. Syntax errors say `file:line:column: invalid YAML: …`;
    /// anchors/aliases, several documents and nesting deeper than 64 levels are refused.
    public static func load(_ text: String, file: String? = nil) throws -> YAMLNode {
        try YAMLParser(text: text, file: file).loadSingleDocument()
    }

    /// Decodes one document into `T`. Errors are `JobletError(.invalidYAML)` rendered as
    /// `file:line:column: key.path: expected …`; keys `T` does not know come back as warnings.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String? = nil) throws -> YAMLDecoded<T> {
        let parser = try YAMLParser(text: text, file: file)
        let root = try parser.loadSingleDocument()
        let diagnostics = YAMLDiagnostics(root: root, file: file, keyMarks: parser.keyMarks)
        let state = TreeDecodingState(format: .yaml)
        do {
            let value = try TreeDecoder.decode(type, from: .yaml(root), at: [], state: state)
            return YAMLDecoded(value: value, warnings: diagnostics.unknownKeyWarnings(state.uses))
        } catch {
            throw diagnostics.userError(error)
        }
    }
}
