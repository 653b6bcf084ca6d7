/// A decoded value together with the warnings (unknown keys) found on the way.
public struct YAMLDecoded<T> {
    public var value: T
    /// In document order.
    public var warnings: [YAMLWarning]

    public init(value: T, warnings: [YAMLWarning]) {
        self.value = value
        self.warnings = warnings
    }
}

extension YAMLDecoded: Sendable where T: Sendable {}
