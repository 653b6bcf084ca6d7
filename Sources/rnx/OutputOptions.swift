import ArgumentParser
import JobletCore

/// `--json` on read commands: the protocol's JSON (docs/PROTOCOL.md) instead of a table.
struct OutputOptions: ParsableArguments, Sendable {
    @Flag(help: "Print JSON (the protocol's documented fields) instead of a table.")
    var json = false

    func printJSON<T: Encodable>(_ value: T) throws {
        Terminal.write(try JSONCodec.encode(value) + [0x0a], to: 1)
    }
}
