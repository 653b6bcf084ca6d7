extension RuntimeConfig {
    /// The top-level keys of runtime.yml, quoted in unknown-key warnings.
    static let knownKeys = [
        "name", "type", "version", "description", "language", "tags", "mounts",
        "environment", "package_manager", "requirements", "test",
    ]

    /// Parses and validates runtime.yml text. Errors are `JobletError(.invalidRuntime)` (or `.invalidYAML`
    /// for syntax) starting with `file:line:column:` and saying how to fix it; unknown keys are warnings.
    public static func parse(_ text: String, file: String = "runtime.yml") throws -> YAMLDecoded<RuntimeConfig> {
        let root = try YAML.load(text, file: file)
        var reader = RuntimeConfigReader(file: file)
        let config = try reader.read(root)
        return YAMLDecoded(value: config, warnings: reader.warnings)
    }

    /// Loads `<directory>/runtime.yml`.
    public static func load(directory: String) throws -> YAMLDecoded<RuntimeConfig> {
        let path = RuntimeFiles.join(directory, "runtime.yml")
        let text = try RuntimeFiles.readText(path)
        return try parse(text, file: path)
    }
}
