/// The members of an object/mapping node of either format.
enum TreeMapping {
    case json(JSONObject)
    case yaml(YAMLMapping)

    /// In document order.
    var keys: [String] {
        switch self {
        case .json(let mapping): return mapping.keys
        case .yaml(let mapping): return mapping.keys
        }
    }

    @inline(__always)
    func value(forKey key: String) -> TreeNode? {
        switch self {
        case .json(let mapping): return mapping.value(forKey: key).map(TreeNode.json)
        case .yaml(let mapping): return mapping.value(forKey: key).map(TreeNode.yaml)
        }
    }

    /// What a `superDecoder` of an absent member reads.
    var absentValue: TreeNode {
        switch self {
        case .json(let mapping): return .json(mapping.absentValue)
        case .yaml(let mapping): return .yaml(mapping.absentValue)
        }
    }
}
