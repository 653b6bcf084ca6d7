import Foundation
import TestSupport
import Testing

/// libarchive is loaded on first use, not linked: no binary maps it (nor its libxml2 and ICU) at start.
@Suite(
    .enabled(
        if: ["joblet-worker", "joblet-dispatcher", "rnx"].allSatisfy { FileManager.default.isExecutableFile(atPath: BuiltProducts.path($0)) },
        "joblet-worker, joblet-dispatcher and rnx are not built beside the tests"))
struct LibArchiveNotLinkedTests {
    @Test(arguments: ["joblet-worker", "joblet-dispatcher", "rnx"])
    func loadsNoArchiveLibraryAtStart(binary: String) throws {
        // ldd, not readelf: it also lists what the needed libraries need in turn.
        let ldd = try Subprocess.runBlocking("/usr/bin/ldd", [BuiltProducts.path(binary)])
        #expect(ldd.status == 0, "\(ldd)")
        let loaded = ldd.stdout.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        }
        #expect(!loaded.isEmpty, "\(ldd)")
        let archiveLibraries = loaded.filter { $0.hasPrefix("libarchive") || $0.hasPrefix("libxml2") || $0.hasPrefix("libicu") }
        #expect(archiveLibraries.isEmpty, "\(binary) loads \(archiveLibraries) at start")
    }
}
