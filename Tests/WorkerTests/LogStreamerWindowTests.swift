import Testing
@testable import Worker

/// What a job's output may hold in the worker while the broker has not confirmed it: the channel keeps
/// every unconfirmed chunk (to send it again after a reconnect), so the window is counted in bytes.
@Suite("log streamer confirm window")
struct LogStreamerWindowTests {
    @Test("about 4 MiB of chunks await confirms per job, whatever the chunk size")
    func windowIsBoundedInBytes() {
        for chunkBytes in [1 << 10, 64 << 10, 256 << 10, 1 << 20, 2 << 20] {
            let window = LogStreamer.window(chunkBytes: chunkBytes)
            #expect(window * chunkBytes <= LogStreamer.inFlightBytes, "\(chunkBytes)-byte chunks: \(window) in flight")
            #expect((window + 1) * chunkBytes > LogStreamer.inFlightBytes, "\(chunkBytes)-byte chunks: room for one more")
        }
    }

    @Test("chunks larger than a quarter of the bound still overlap a publish with the previous confirm")
    func largeChunksKeepTwoInFlight() {
        #expect(LogStreamer.window(chunkBytes: 4 << 20) == 2)
        #expect(LogStreamer.window(chunkBytes: 8 << 20) == 2)
    }
}
