import Testing
@testable import JobletCore
@testable import JobletPackages

/// libarchive is loaded on first use (dlopen): a missing library or function is an error that says
/// what to install, never a crash.
@Suite struct LibArchiveLoadingTests {
    @Test func theSystemLibraryLoads() throws {
        _ = try LibArchive.shared()
    }

    @Test func aMissingLibraryIsAnErrorSayingWhatToInstall() {
        let error = #expect(throws: JobletError.self) { try LibArchive.load("libarchive-joblet-test-missing.so.13") }
        #expect(error?.code == .system)
        // dlerror's text in the message, naming the file it looked for.
        let start = "libarchive-joblet-test-missing.so.13 could not be loaded (libarchive-joblet-test-missing.so.13: cannot open"
        #expect(error?.message.hasPrefix(start) == true, "\(String(describing: error))")
        #expect(error?.message.hasSuffix("install Debian's libarchive13 (apt-get install libarchive13)") == true)
    }

    /// A library without libarchive's functions (an old or foreign one) names the first one missing.
    @Test func aLibraryWithoutTheFunctionsIsAnError() {
        let error = #expect(throws: JobletError.self) { try LibArchive.load("libz.so.1") }
        #expect(error?.code == .system)
        #expect(error?.message.hasPrefix("libz.so.1 could not be loaded (libz.so.1 has no archive_entry_filetype): ") == true)
    }
}
