/// Derives language, version and tags from a runtime name, for runtimes whose runtime.yml
/// does not state them: `python-3.11-ml` -> (`python`, `3.11`, [`ml`]), `node-20` -> (`node`, `20`, []).
public enum RuntimeName {
    /// The language is everything before the first dash-separated component that starts with a
    /// digit, that component is the version, and the remaining components are tags.
    public static func split(_ name: String) -> (language: String, version: String, tags: [String]) {
        let parts = name.lowercased().split(separator: "-").map(String.init)
        guard let versionIndex = parts.firstIndex(where: { $0.first?.isNumber == true }) else {
            return (parts.joined(separator: "-"), "", [])
        }
        let language = parts[..<versionIndex].joined(separator: "-")
        return (language, parts[versionIndex], Array(parts[(versionIndex + 1)...]))
    }
}
