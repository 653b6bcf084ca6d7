import Testing
@testable import JobletCore

@Suite("Sizes and durations as people write them")
struct SizeAndDurationParsingTests {
    @Test(arguments: [
        ("512M", Int64(512) << 20), ("1.5G", Int64(1536) << 20), ("256MB", Int64(256) << 20),
        ("10MiB", Int64(10) << 20), ("1024", 1024), ("4k", 4096), (" 2G ", Int64(2) << 30),
    ])
    func parsesSizes(text: String, bytes: Int64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test(arguments: ["", "M", "12X", "-5M", "1.2.3G", "lots"])
    func rejectsBadSizesNamingTheAcceptedForms(text: String) {
        #expect {
            try ByteSize(parsing: text)
        } throws: { error in
            "\(error)".contains("expected a size like \"512M\", \"1.5G\"") && "\(error)".contains("\"\(text)\"")
        }
    }

    @Test func describesSizesInTheirLargestUnit() {
        #expect(ByteSize(bytes: 512 << 20).description == "512M")
        #expect(ByteSize(bytes: 1536 << 20).description == "1.5G")
        #expect(ByteSize(bytes: 300).description == "300")
    }

    @Test(arguments: [("90s", 90.0), ("10m", 600.0), ("1h30m", 5400.0), ("500ms", 0.5), ("45", 45.0), ("2h", 7200.0)])
    func parsesDurations(text: String, seconds: Double) throws {
        #expect(try JobDuration(parsing: text).seconds == seconds)
    }

    @Test(arguments: ["", "m", "10x", "ten minutes", "1h-5m"])
    func rejectsBadDurationsNamingTheAcceptedForms(text: String) {
        #expect {
            try JobDuration(parsing: text)
        } throws: { error in
            "\(error)".contains("expected a duration like \"90s\", \"10m\"")
        }
    }
}
