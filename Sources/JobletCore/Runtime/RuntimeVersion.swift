/// Version comparison by dot-separated components: numeric components compare as numbers
/// (`3.9 < 3.11`), others as text; a prefix sorts first (`3 < 3.11`).
public enum RuntimeVersion {
    /// Whether `prefix` matches `version` component by component: `3` matches `3.11` and `3.9`;
    /// `3.1` does not match `3.11`.
    public static func matches(prefix: String, version: String) -> Bool {
        let want = components(prefix)
        let have = components(version)
        return want.count <= have.count && zip(want, have).allSatisfy { $0 == $1 }
    }

    /// `a < b` by components.
    public static func isLess(_ a: String, _ b: String) -> Bool {
        let left = components(a)
        let right = components(b)
        for (x, y) in zip(left, right) where x != y {
            if let xi = Int(x), let yi = Int(y) { return xi < yi }
            if Int(x) != nil { return false }  // numeric sorts after text (3.11 > 3.11-rc)
            if Int(y) != nil { return true }
            return x < y
        }
        return left.count < right.count
    }

    static func components(_ version: String) -> [String] {
        version.lowercased().split(separator: ".").map(String.init)
    }
}
