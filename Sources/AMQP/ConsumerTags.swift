import Synchronization

/// Client-chosen consumer tags, so a consumer keeps its tag across reconnects.
enum ConsumerTags {
    private static let counter = Atomic<UInt64>(0)
    private static let prefix: String = {
        var g = SystemRandomNumberGenerator()
        return "joblet-" + String(g.next() as UInt64, radix: 36)
    }()

    static func make() -> String {
        "\(prefix)-\(counter.add(1, ordering: .relaxed).newValue)"
    }
}
