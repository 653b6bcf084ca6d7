/// A node of either format's tree, as the shared containers read it: each case defers to its format's
/// `DecodableTree` rules.
///
/// A closed enum rather than a generic parameter: the `Decoder` protocols' witnesses are generic over
/// keys and values, and Swift does not specialize a function for one generic argument while another stays
/// open, so containers generic over the node type ran unspecialized — 31% more instructions per decoded
/// message, mostly metadata lookups. Here every call is concrete.
enum TreeNode {
    case json(JSONValue)
    case yaml(YAMLNode)

    var kindDescription: String {
        switch self {
        case .json(let node): return node.kindDescription
        case .yaml(let node): return node.kindDescription
        }
    }

    var isNull: Bool {
        switch self {
        case .json(let node): return node.isNull
        case .yaml(let node): return node.isNull
        }
    }

    var mapping: TreeMapping? {
        switch self {
        case .json(let node): return node.mapping.map(TreeMapping.json)
        case .yaml(let node): return node.mapping.map(TreeMapping.yaml)
        }
    }

    var elements: TreeElements? {
        switch self {
        case .json(let node): return node.elements.map(TreeElements.json)
        case .yaml(let node): return node.elements.map(TreeElements.yaml)
        }
    }

    var boolValue: Bool? {
        switch self {
        case .json(let node): return node.boolValue
        case .yaml(let node): return node.boolValue
        }
    }

    var stringValue: String? {
        switch self {
        case .json(let node): return node.stringValue
        case .yaml(let node): return node.stringValue
        }
    }

    var doubleValue: Double? {
        switch self {
        case .json(let node): return node.doubleValue
        case .yaml(let node): return node.doubleValue
        }
    }

    func integerValue<T: FixedWidthInteger>(_ type: T.Type) -> TreeInteger<T> {
        switch self {
        case .json(let node): return node.integerValue(type)
        case .yaml(let node): return node.integerValue(type)
        }
    }
}
