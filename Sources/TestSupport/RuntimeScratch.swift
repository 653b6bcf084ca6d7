import Foundation
import JobletCore

/// Scratch directories and files for the runtime tests.
public enum RuntimeScratch {
    /// A fresh directory at `ScratchPath.make(label)`: removed when the test process exits.
    public static func directory(_ label: String = "rt") throws -> String {
        let path = ScratchPath.make(label)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    public static func remove(_ path: String) {
        try? TreeRemoval.remove(path)
    }

    /// A small valid runtime directory named `name` with a `bin` mount.
    public static func runtime(at directory: String, name: String, version: String, extra: String = "") throws {
        try write(
            """
            name: \(name)
            version: "\(version)"
            description: test runtime
            mounts:
              - source: bin
                target: /opt/\(name)/bin
            environment:
              PATH_PREPEND: /opt/\(name)/bin
            \(extra)
            """, to: directory + "/runtime.yml")
        try write("#!/bin/sh\necho \(name)\n", to: directory + "/bin/hello")
    }

    /// A node-20 runtime package at `version` whose `bin/marker` holds `marker`, packed under `scratch`
    /// by `pack` (`RuntimePackage.pack`, a module TestSupport does not link): tells which of two
    /// installs a reader saw.
    public static func package(
        _ scratch: String, version: String, marker: String,
        pack: (_ runtimeDirectory: String, _ output: String) throws -> Void
    ) throws -> String {
        let directory = scratch + "/src-\(marker)"
        try runtime(at: directory, name: "node-20", version: version)
        try write("\(marker)\n", to: directory + "/bin/marker")
        let output = scratch + "/\(marker).tar.gz"
        try pack(directory, output)
        return output
    }

    /// The hidden entries (staging and retired trees) left in a runtime base directory.
    public static func hidden(_ base: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: base).filter { $0.hasPrefix(".") }
    }

    /// Runs a command, returning its exit status and combined output.
    @discardableResult
    public static func run(_ argv: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        try CombinedOutput.run(argv, environment: environment)
    }
}
