import Foundation

extension RuntimeScratch {
    /// A static runtime tree at `directory`: a `runtime.yml` with one read-only mount of `bin` at
    /// `target`, and in `bin` the executable `script` (its name and text), with `target` first on
    /// PATH. Without a script `bin` is empty and PATH is left alone. `extra` is YAML appended as is
    /// (`test: …`, `package_manager: …`).
    public static func scriptRuntime(
        at directory: String, name: String, language: String, version: String = "1.0", description: String,
        script: (name: String, text: String)? = nil, target: String = "/usr/local/bin", extra: String = ""
    ) throws {
        try FileManager.default.createDirectory(atPath: directory + "/bin", withIntermediateDirectories: true)
        if let script {
            try write(script.text, to: directory + "/bin/" + script.name)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/bin/" + script.name)
        }
        var yaml = """
            name: "\(name)"
            language: "\(language)"
            type: "static"
            version: "\(version)"
            description: "\(description)"
            mounts:
              - source: "bin"
                target: "\(target)"
                readonly: true

            """
        if script != nil { yaml += "environment:\n  PATH_PREPEND: \"\(target)\"\n" }
        if !extra.isEmpty { yaml += extra + "\n" }
        try write(yaml, to: directory + "/runtime.yml")
    }
}
