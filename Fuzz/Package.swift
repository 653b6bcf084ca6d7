// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// libFuzzer targets for everything Joblet reads as hostile input: broker messages, runtime.yml,
/// uploaded archives, AMQP URLs. Built and run by scripts/fuzz (docs/SECURITY.md, "Fuzzing"); never part
/// of the main build. scripts/fuzz passes -sanitize=fuzzer,address to every Swift module so the libraries
/// under test are coverage-instrumented, and -enable-testing so the internal AMQPURL parser can be reached.

// A path dependency's identity is its directory's name, which is wherever the repo was cloned.
let joblet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: "fuzz-\(name)",
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: joblet) },
        path: "Sources/fuzz-\(name)",
        // gold hits an internal error (dwarf_reader.cc) linking sanitized Swift; lld does not.
        // --gc-sections (SwiftPM adds it in release only) drops libFuzzer's own main, which
        // SwiftPM's main replaces but whose reference to LLVMFuzzerTestOneInput would remain.
        linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "--gc-sections"])])
}

let package = Package(
    name: "joblet-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer", .product(name: "JobletCore", package: joblet)]),
        fuzzTarget("job-request", ["JobletCore"]),
        fuzzTarget("job-limits", ["JobletCore"]),
        fuzzTarget("messages", ["JobletCore"]),
        fuzzTarget("runtime-yml", ["JobletCore"]),
        fuzzTarget("archive", ["JobletCore", "JobletPackages"]),
        fuzzTarget("amqp-url", ["AMQP"]),
    ],
    swiftLanguageModes: [.v6]
)
