/// Architecture names as runtimes and workers use them: `x86_64` and `aarch64`, with the
/// Debian/Go aliases `amd64` and `arm64` accepted on input.
public enum RuntimeArchitecture {
    /// `x86_64`/`amd64` -> `x86_64`, `aarch64`/`arm64` -> `aarch64`; `nil` for anything else.
    public static func normalize(_ name: String) -> String? {
        switch name.trimmingWhitespace().lowercased() {
        case "x86_64", "amd64", "x86-64", "x64": return "x86_64"
        case "aarch64", "arm64": return "aarch64"
        default: return nil
        }
    }

    /// The accepted names, for error messages.
    public static let acceptedNames = "x86_64 (amd64) or aarch64 (arm64)"
}
