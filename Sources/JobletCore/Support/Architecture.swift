#if canImport(Glibc)
    import Glibc
#endif

/// CPU architecture names as Joblet spells them (`x86_64`, `aarch64`), with the common aliases.
public enum Architecture {
    /// `amd64` -> `x86_64`, `arm64` -> `aarch64`; nil for names Joblet does not know.
    public static func normalize(_ name: String) -> String? {
        switch name.lowercased() {
        case "x86_64", "amd64", "x64": return "x86_64"
        case "aarch64", "arm64": return "aarch64"
        default: return nil
        }
    }

    /// The architecture of this host, from uname(2).
    public static var host: String {
        var info = utsname()
        guard uname(&info) == 0 else { return "x86_64" }
        let machine = withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return normalize(machine) ?? machine
    }
}
