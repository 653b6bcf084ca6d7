/// A value being encoded; a reference so nested containers can fill it in after they are handed out.
/// An object's members are looked up as `JSONObjectKeys` says (in order when small, indexed when large).
final class JSONEncodingNode {
    var scalar: JSONValue?
    /// Non-nil once the node is an object; `objectChildren[i]` belongs to its `i`th key.
    var objectKeys: JSONObjectKeys?
    private var objectChildren: [JSONEncodingNode] = []
    var arrayChildren: [JSONEncodingNode]?
    /// Dictionaries have no declaration order; sorting keeps the output reproducible.
    var sortKeys = false

    func child(forKey key: String) -> JSONEncodingNode {
        if objectKeys == nil { objectKeys = JSONObjectKeys() }
        if let at = objectKeys?.position(of: key) { return objectChildren[at] }
        let child = JSONEncodingNode()
        objectKeys?.append(key)
        objectChildren.append(child)
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
        let keys = objectKeys?.keys ?? []
        // Only dictionaries are sorted: other objects are written as encoded, with no order array.
        let order = sortKeys ? keys.indices.sorted { keys[$0] < keys[$1] } : nil
        for position in keys.indices {
            let at = order?[position] ?? position
            if position > 0 { writer.append(UInt8(ascii: ",")) }
            writer.writeKey(keys[at])
            try objectChildren[at].write(into: &writer)
        }
        writer.append(UInt8(ascii: "}"))
    }
}
