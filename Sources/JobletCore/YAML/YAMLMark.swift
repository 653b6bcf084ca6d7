/// A position in a YAML document, both 1-based as editors show them.
public struct YAMLMark: Sendable, Equatable, Hashable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: YAMLMark, rhs: YAMLMark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `file:line:column` (or `line:column` without a file name), the form compilers use.
    func located(in file: String?) -> String {
        if let file { return "\(file):\(line):\(column)" }
        return "\(line):\(column)"
    }
}
