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

    var value: JSONValue {
        if let scalar { return scalar }
        if let arrayChildren { return .array(arrayChildren.map(\.value)) }
        var object = JSONObject()
        let keys = sortKeys ? (objectKeys ?? []).sorted() : (objectKeys ?? [])
        for key in keys {
            if let child = objectChildren[key] { object[key] = child.value }
        }
        return .object(object)
    }
}
