import Foundation
import JobletCore

/// Scratch directories and files for the runtime tests.
public enum RuntimeScratch {
    public static func directory(_ label: String = "rt") throws -> String {
        let path = NSTemporaryDirectory() + "joblet-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    public static func remove(_ path: String) {
        try? TreeRemoval.remove(path)
    }

    /// A small valid runtime directory named `name` with a `bin` mount.
    public static func runtime(at directory: String, name: String, version: String, extra: String = "") throws {
        try write("""
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

    /// Runs a command, returning its exit status and combined output.
    @discardableResult
    public static func run(_ argv: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        guard let executable = argv.first else { throw EmptyCommand() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// `RuntimeScratch.run` was given no command.
public struct EmptyCommand: Error, CustomStringConvertible {
    public var description: String { "RuntimeScratch.run: empty argv" }
}
