/// Shared by every decoder and container of one decode call: the format, and which members each
/// object/mapping was asked for, so the formats can refuse (JSON) or warn about (YAML) the others.
final class TreeDecodingState {
    /// The members a `Decodable` asked for in one mapping, in the order it asked.
    final class KeyUse {
        let mapping: TreeMapping
        let path: [any CodingKey]
        /// Searched in order, not hashed: a type asks for its own few coding keys (hashing each showed in
        /// the dispatcher's profile). A dictionary asks for the document's keys, as many as a hostile
        /// document has, but only after `allKeys`, which stops the recording.
        private(set) var asked: [String] = []
        /// A dictionary (`allKeys`) takes every member.
        var askedForAll = false

        init(mapping: TreeMapping, path: [any CodingKey]) {
            self.mapping = mapping
            self.path = path
        }

        func ask(_ key: String) {
            if !askedForAll, !asked.contains(key) { asked.append(key) }
        }

        func isKnown(_ key: String) -> Bool { askedForAll || asked.contains(key) }
    }

    let format: TreeFormat
    /// In the order their mappings were first decoded.
    private(set) var uses: [KeyUse] = []
    private var usesByPath: [String: KeyUse] = [:]

    init(format: TreeFormat) {
        self.format = format
    }

    /// One record per coding path, however often a `Decodable` asks for the container there.
    func keyUse(mapping: TreeMapping, path: [any CodingKey]) -> KeyUse {
        let id = path.rendered
        if let existing = usesByPath[id] { return existing }
        let use = KeyUse(mapping: mapping, path: path)
        usesByPath[id] = use
        uses.append(use)
        return use
    }
}
