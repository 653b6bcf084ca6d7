#if canImport(Glibc)
    import Glibc
#endif

/// This process's environment, read from `environ` (Foundation-free): where the binaries find
/// broker settings and credentials (`BrokerSettings.configuration`). Never passed to jobs.
public enum ProcessEnvironment {
    public static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
