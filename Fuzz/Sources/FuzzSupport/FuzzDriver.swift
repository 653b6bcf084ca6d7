#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import CFuzzer

/// Runs libFuzzer with this process's arguments and `test` as the fuzz target; exits with its status.
public enum FuzzDriver {
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    public static func run(_ test: TestOneInput) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, test))
    }

    /// Says why an input was refused, with JOBLET_FUZZ_EXPLAIN=1 (run a target on one file to see it).
    public static func explain(_ text: @autoclosure () -> String) {
        guard explaining else { return }
        let line = Array("fuzz: \(text())\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    private static let explaining = getenv("JOBLET_FUZZ_EXPLAIN").map { String(cString: $0) == "1" } ?? false

    /// The input as bytes (libFuzzer passes a null pointer for the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }
}
