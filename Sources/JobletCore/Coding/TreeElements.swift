/// The elements of an array/sequence node of either format, without copying them into `TreeNode`s.
enum TreeElements {
    case json([JSONValue])
    case yaml([YAMLNode])

    var count: Int {
        switch self {
        case .json(let elements): return elements.count
        case .yaml(let elements): return elements.count
        }
    }

    subscript(index: Int) -> TreeNode {
        switch self {
        case .json(let elements): return .json(elements[index])
        case .yaml(let elements): return .yaml(elements[index])
        }
    }
}
