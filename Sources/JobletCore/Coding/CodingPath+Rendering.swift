extension Array where Element == any CodingKey {
    /// The path as users write it: `limits.memory`, `command[2]`, `mounts[0].source`.
    var rendered: String {
        var text = ""
        for key in self {
            if let index = key.intValue, key.stringValue == "\(index)" || key is CodingPathKey {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }

    /// `path: ` or nothing at the root, to prefix messages.
    var renderedPrefix: String {
        let path = rendered
        return path.isEmpty ? "" : "\(path): "
    }
}
