// swift-tools-version: 6.0
import PackageDescription

/// Joblet in Swift: a message-queue worker cluster that runs Linux jobs in sandboxes
/// with pre-built runtimes. Target layout follows docs/DESIGN.md.
let package = Package(
    name: "joblet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "joblet-worker", targets: ["joblet-worker"]),
        .executable(name: "joblet-dispatcher", targets: ["joblet-dispatcher"]),
        .executable(name: "rnx", targets: ["rnx"]),
        .executable(name: "joblet-init", targets: ["joblet-init"]),
        .library(name: "JobletCore", targets: ["JobletCore"]),
        .library(name: "JobletPackages", targets: ["JobletPackages"]),
        .library(name: "JobletClient", targets: ["JobletClient"]),
        .library(name: "AMQP", targets: ["AMQP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
    ],
    targets: [
        // C libraries: header shims only; nothing but these modules imports C.
        .systemLibrary(
            name: "CRabbitMQ", pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CJansson", pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]),
        // libarchive through dlopen on first use, not linked: its libxml2, ICU and compressors cost every
        // start of rnx and the worker. Builds against libarchive-dev's headers; needs libarchive13 at run time.
        .target(name: "CArchive"),
        // The only code that runs between clone() and execve(), plus the sandbox's PID-1 init.
        .target(name: "CIsolation"),
        // PID 1 of every sandbox, exec'ed by the sandbox child after pivot_root. Static: swiftc links
        // even C executables against libswiftCore, which does not exist inside a sandbox. lld: gold prints
        // glibc's note that libswiftCore.a mentions dlopen, which this C program never reaches.
        .executableTarget(
            name: "joblet-init", dependencies: ["CIsolation"],
            // Freestanding (main.c says why): its own _start, so no C start files and no libc start-up.
            cSettings: [.unsafeFlags(["-ffreestanding", "-fno-stack-protector"])],
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-static-executable", "-Xclang-linker", "-nostartfiles", "-Xlinker", "--gc-sections"])
            ]),

        // glibc calls Swift cannot reach: openat2, which glibc 2.36 does not wrap (tree removal's refusal
        // to cross into a mount), and mallinfo2 (the heap in use, for JobletMetrics).
        .target(name: "CSystemCalls"),
        // The one EINTR retry, errno text, Duration conversion and error shape every Swift module uses (no C).
        .target(name: "SystemCalls"),
        // Wire types, runtime specs and the JSON/YAML codecs: what every binary needs.
        .target(
            name: "JobletCore",
            dependencies: [
                "SystemCalls", "CSystemCalls", "CYAML", "CJansson",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Archives (libarchive) and runtime packages: the worker and rnx only, never the dispatcher.
        .target(
            name: "JobletPackages",
            dependencies: [
                "JobletCore", "SystemCalls", "CArchive", "COpenSSL",
            ]),
        .target(
            name: "AMQP",
            dependencies: ["CRabbitMQ", "SystemCalls", .product(name: "Logging", package: "swift-log")]),
        // Joblet's names and message shapes on top of the AMQP library, shared by all three binaries.
        .target(
            name: "JobletMessaging",
            dependencies: [
                "JobletCore", "AMQP", "SystemCalls",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The daemons' Prometheus endpoint and the heap figure their metrics and leak checks read.
        .target(
            name: "JobletMetrics",
            dependencies: [
                "SystemCalls", "CSystemCalls",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Isolation",
            dependencies: [
                "CIsolation", "JobletCore", "SystemCalls",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Worker",
            dependencies: [
                "JobletCore", "JobletPackages", "AMQP", "JobletMessaging", "Isolation", "SystemCalls", "JobletMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]),
        .target(
            name: "Dispatcher",
            dependencies: [
                "JobletCore", "AMQP", "JobletMessaging", "SystemCalls", "JobletMetrics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]),
        .executableTarget(
            name: "joblet-worker",
            dependencies: [
                "Worker", "JobletPackages", "joblet-init",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "joblet-dispatcher",
            dependencies: ["Dispatcher", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Submit, follow and query jobs from Swift: the core of rnx, for any Swift service.
        .target(
            name: "JobletClient",
            dependencies: [
                "JobletCore", "AMQP", "JobletMessaging", "SystemCalls",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]),
        .executableTarget(
            name: "rnx",
            dependencies: [
                "JobletClient", "JobletCore", "JobletPackages", "AMQP", "JobletMessaging", "SystemCalls",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]),

        // Test harness: a private RabbitMQ node shared by the whole test run, and `.integration(needs:)`.
        .target(name: "TestSupport", dependencies: ["AMQP", "JobletCore"]),
        // `XTests`: unit tests, no broker, no root (a plain `swift test` runs them anywhere).
        // `XIntegrationTests`: a broker, root, namespaces or built binaries; each suite says what it
        // needs with `.integration(needs:)` and is skipped without it (`sudo scripts/test` runs all).
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "JobletCoreTests", dependencies: ["JobletCore", "JobletPackages", "SystemCalls", "TestSupport"]),
        .testTarget(name: "JobletCoreIntegrationTests", dependencies: ["JobletCore", "JobletPackages", "TestSupport"]),
        .testTarget(name: "AMQPTests", dependencies: ["AMQP", "TestSupport"]),
        .testTarget(
            name: "AMQPIntegrationTests",
            dependencies: [
                "AMQP", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "JobletMessagingTests", dependencies: ["JobletMessaging", "TestSupport"]),
        .testTarget(name: "JobletMessagingIntegrationTests", dependencies: ["JobletMessaging", "TestSupport"]),
        .testTarget(name: "IsolationTests", dependencies: ["Isolation"]),
        .testTarget(
            name: "IsolationIntegrationTests",
            dependencies: [
                "Isolation", "JobletCore", "TestSupport", "joblet-init",
                "sandbox-soak",
            ]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "JobletCore", "TestSupport"]),
        .testTarget(
            name: "WorkerIntegrationTests",
            dependencies: [
                "Worker", "AMQP", "JobletCore", "JobletPackages", "TestSupport",
                "joblet-init",
            ]),
        .testTarget(
            name: "DispatcherTests",
            dependencies: ["Dispatcher", "JobletCore", "JobletMetrics", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "DispatcherIntegrationTests", dependencies: ["Dispatcher", "AMQP", "JobletCore", "TestSupport"]),
        .testTarget(name: "RNXIntegrationTests", dependencies: ["JobletCore", "TestSupport"]),
        .testTarget(name: "JobletClientIntegrationTests", dependencies: ["JobletClient", "JobletCore", "JobletMessaging", "AMQP", "TestSupport"]),
        // Worker hosts in network namespaces around a 3-node broker cluster (JOBLET_TEST_FLEET=1).
        .testTarget(name: "FleetIntegrationTests", dependencies: ["JobletCore", "AMQP", "TestSupport"]),

        // Benchmarks print figures beside a baseline measured in the same run.
        .target(name: "CAMQPBaseline", dependencies: ["CRabbitMQ"], path: "Benchmarks/CAMQPBaseline"),
        .executableTarget(
            name: "amqp-bench", dependencies: ["AMQP", "CAMQPBaseline"],
            path: "Benchmarks/AMQPBench", exclude: ["README.md"]),
        .executableTarget(
            name: "sandbox-bench", dependencies: ["Isolation", "JobletCore", "joblet-init"],
            path: "Benchmarks/SandboxBench"),
        .executableTarget(name: "json-bench", dependencies: ["JobletCore"], path: "Benchmarks/JSONBench"),
        // Runs many sandboxed jobs in its own process and checks nothing leaks (used by IsolationTests).
        .executableTarget(
            name: "sandbox-soak", dependencies: ["Isolation", "JobletMetrics", "joblet-init"],
            path: "Benchmarks/SandboxSoak"),
    ],
    swiftLanguageModes: [.v6]
)
