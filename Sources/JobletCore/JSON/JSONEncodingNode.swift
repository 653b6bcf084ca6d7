/// A value being encoded; a reference so nested containers can fill it in after they are handed out.
final class JSONEncodingNode {
    var scalar: JSONValue?
    var objectKeys: [String]?
    var objectChildren: [String: JSONEncodingNode] = [:]
    var arrayChildren: [JSONEncodingNode]?
    /// Dictionaries have no declaration order; sorting keeps the output reproducible.
    var sortKeys = false

    func child(forKey key: String) -> JSONEncodingNode {
        if objectKeys == nil { objectKeys = [] }
        if let existing = objectChildren[key] { return existing }
        let child = JSONEncodingNode()
        objectKeys?.append(key)
        objectChildren[key] = child
        return child
    }

    func appendChild() -> JSONEncodingNode {
        let child = JSONEncodingNode()
        if arrayChildren == nil { arrayChildren = [] }
        arrayChildren?.append(child)
        return child
    }

    /// Writes the value as it stands; a node nothing was encoded into is `{}`, as an empty container.
    func write(into writer: inout JSONWriter) throws {
        if let scalar { return try writer.write(scalar) }
        if let arrayChildren {
            writer.append(UInt8(ascii: "["))
            for (index, child) in arrayChildren.enumerated() {
                if index > 0 { writer.append(UInt8(ascii: ",")) }
                try child.write(into: &writer)
            }
            writer.append(UInt8(ascii: "]"))
            return
        }
        writer.append(UInt8(ascii: "{"))
        let keys = sortKeys ? (objectKeys ?? []).sorted() : (objectKeys ?? [])
        var first = true
        for key in keys {
            guard let child = objectChildren[key] else { continue }
            if !first { writer.append(UInt8(ascii: ",")) }
            first = false
            writer.writeKey(key)
            try child.write(into: &writer)
        }
        writer.append(UInt8(ascii: "}"))
    }
}
