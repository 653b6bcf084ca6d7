import Foundation
@testable import JobletCore

/// Scratch directories and files for the runtime tests.
enum RuntimeScratch {
    static func directory(_ label: String = "rt") throws -> String {
        let path = NSTemporaryDirectory() + "joblet-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func remove(_ path: String) {
        try? TreeRemoval.remove(path)
    }

    /// A small valid runtime directory named `name` with a `bin` mount.
    static func runtime(at directory: String, name: String, version: String, extra: String = "") throws {
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
    static func run(_ argv: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
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
