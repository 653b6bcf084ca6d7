import Foundation
import JobletCore
import Testing
import TestSupport

/// runtime.yml `package_manager.cache_volume`: jobs of a runtime that declares a cache get one per
/// submitter and runtime at /volumes/<cache_volume>, with the package manager pointed at it.
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXPackageCacheTests {
    static let runtimeID = "rnxpip-1.0"

    /// A runtime of type pip with a cache volume, installed beside the cluster's own; the worker
    /// picks it up with its next rescan.
    func installCachingRuntime(_ cluster: LocalCluster) async throws -> String {
        let directory = cluster.root + "/runtimes/rnxpip/\(Self.runtimeID)"
        try RuntimeScratch.scriptRuntime(
            at: directory, name: Self.runtimeID, language: "rnxpip", description: "rnx test runtime with a pip cache",
            script: ("pip", "#!/bin/sh\necho pip $*\n"), extra: "package_manager:\n  type: \"pip\"\n  cache_volume: \"pip-cache\"")
        for _ in 0..<60 {
            let list = try await cluster.rnx(["runtime", "list", "--json"])
            if list.status == 0, list.stdout.contains(Self.runtimeID) { return directory }
            try await Task.sleep(for: .milliseconds(500))
        }
        Issue.record("the worker did not pick up \(Self.runtimeID)")
        return directory
    }

    @Test func aCacheIsKeptPerSubmitterAndRuntime() async throws {
        let cluster = try await LocalCluster.shared()
        let directory = try await installCachingRuntime(cluster)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let marker = "wheel-\(UUID().uuidString.prefix(8))"
        let runtime = "--runtime=\(Self.runtimeID)"

        // A job writes into its cache, where pip looks.
        let write = try await cluster.rnx([
            "run", runtime, "--", "sh", "-c",
            "test \"$PIP_CACHE_DIR\" = /volumes/pip-cache && echo \(marker) > \"$PIP_CACHE_DIR/pkg\"",
        ])
        #expect(write.status == 0, "\(write)")
        // The same submitter's next job of the runtime finds it…
        let read = try await cluster.rnx(["run", runtime, "--", "cat", "/volumes/pip-cache/pkg"])
        #expect(read.status == 0 && read.stdout == "\(marker)\n", "\(read)")
        // …another submitter's job has a cache of its own, without it.
        let other = try await cluster.rnx(["run", runtime, "--", "sh", "-c", "ls -A /volumes/pip-cache; echo end"], as: cluster.bob)
        #expect(other.status == 0 && other.stdout == "end\n", "\(other)")
        // A job of a runtime without a cache has none.
        let plain = try await cluster.rnx([
            "run", "--runtime=\(LocalCluster.runtimeID)", "--", "sh", "-c",
            "test ! -e /volumes/pip-cache && echo \"${PIP_CACHE_DIR:-none}\"",
        ])
        #expect(plain.status == 0 && plain.stdout == "none\n", "\(plain)")
    }
}
