import Foundation

/// Runs a short helper program (ip, a build script, a one-shot CLI command) to completion with
/// stdout and stderr in one text, for the fixtures that need both on failure. Programs that may
/// leave a daemon behind holding the pipe go through `Subprocess` instead.
public enum CombinedOutput {
    /// Runs `argv` (argv[0] a path) with `environment` (nil: this process's); returns its exit status
    /// and combined output.
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

/// `CombinedOutput.run` was given no command.
public struct EmptyCommand: Error, CustomStringConvertible {
    public var description: String { "CombinedOutput.run: empty argv" }
}
