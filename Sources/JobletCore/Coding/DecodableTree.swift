/// What a format's parsed node provides to the shared `TreeDecoder` (through `TreeNode`): `JSONValue`
/// for the wire, `YAMLNode` for config files. The containers are shared; each format supplies only its
/// node shape, its scalar rules and the words of its messages.
protocol DecodableTree {
    associatedtype Mapping: DecodableTreeMapping where Mapping.Node == Self

    /// The code of the format's own errors (see `TreeFormat.errorCode`).
    static var errorCode: JobletError.Code { get }
    /// The words of the format's messages.
    static var vocabulary: TreeVocabulary { get }

    /// What the node is, for messages: `expected a string, found <this>`.
    var kindDescription: String { get }
    var isNull: Bool { get }
    /// Non-nil for an object/mapping.
    var mapping: Mapping? { get }
    /// Non-nil for an array/sequence.
    var elements: [Self]? { get }

    /// The node as the format reads each scalar type; nil where it is not one.
    var boolValue: Bool? { get }
    var stringValue: String? { get }
    var doubleValue: Double? { get }
    func integerValue<T: FixedWidthInteger>(_ type: T.Type) -> TreeInteger<T>
}

/// The members of an object/mapping node.
protocol DecodableTreeMapping {
    associatedtype Node

    /// In document order.
    var keys: [String] { get }
    func value(forKey key: String) -> Node?
    /// What a `superDecoder` of an absent member reads: a null (placed at the mapping, for YAML).
    var absentValue: Node { get }
}

/// The words a format's decoding messages use where JSON and YAML say things differently.
struct TreeVocabulary: Sendable {
    /// `expected <this>` when a keyed container is asked of another kind of node.
    let mapping: String
    /// `expected <this>` when an unkeyed container is asked of another kind of node.
    let sequence: String
    /// `expected <this>` when a boolean is asked of something else.
    let boolean: String
    /// What the elements of a sequence are called: `expected at least 3 <this>, found 2`.
    let elements: String
    /// The `debugDescription` of `keyNotFound`, given the key.
    let missingKey: @Sendable (String) -> String
}

/// A node read as a fixed-width integer.
enum TreeInteger<T: FixedWidthInteger> {
    case exact(T)
    /// An integer the type cannot hold, as written.
    case outOfRange(found: String)
    /// A number with a fraction, as written.
    case fractional(found: String)
    case notAnInteger
}
