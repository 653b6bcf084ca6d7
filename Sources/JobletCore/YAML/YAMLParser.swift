import CYAML

/// Owns a libyaml event parser over a copy of the document text and builds a `YAMLNode` tree.
///
/// Aliases and anchors are refused: they are the only way a small document expands into a huge
/// one ("billion laughs"), and runtime.yml files have no use for them.
final class YAMLParser {
    /// Deeper documents are refused so hostile input cannot exhaust the stack.
    static let maxDepth = 64

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let file: String?
    /// Where each mapping key was written, by the mapping's own mark (the node tree keeps only values).
    private(set) var keyMarks: [YAMLMark: [String: YAMLMark]] = [:]

    init(text: String, file: String?) throws {
        self.file = file
        let bytes = Array(text.utf8)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        parser = .allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            input.deallocate()
            throw JobletError(.invalidYAML, "\(file ?? "YAML"): could not initialise the YAML parser (out of memory)")
        }
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// Parses exactly one document (an empty stream is a `.null` document).
    func loadSingleDocument() throws -> YAMLNode {
        var event = try nextEvent()
        defer { yaml_event_delete(&event) }
        guard event.type == YAML_STREAM_START_EVENT else { throw unexpected(event, "stream start") }
        var documentStart = try nextEvent()
        defer { yaml_event_delete(&documentStart) }
        if documentStart.type == YAML_STREAM_END_EVENT {
            return .null(YAMLMark(line: 1, column: 1))
        }
        guard documentStart.type == YAML_DOCUMENT_START_EVENT else { throw unexpected(documentStart, "a document") }
        var rootEvent = try nextEvent()
        defer { yaml_event_delete(&rootEvent) }
        let root = try node(startingWith: &rootEvent, depth: 1)
        var documentEnd = try nextEvent()
        defer { yaml_event_delete(&documentEnd) }
        var after = try nextEvent()
        defer { yaml_event_delete(&after) }
        if after.type == YAML_DOCUMENT_START_EVENT {
            throw error(at: after.start_mark, "expected a single YAML document, found a second one ('---')")
        }
        return root
    }

    private func node(startingWith event: inout yaml_event_t, depth: Int) throws -> YAMLNode {
        let mark = Self.mark(event.start_mark)
        guard depth <= Self.maxDepth else {
            throw error(at: event.start_mark, "document nested deeper than \(Self.maxDepth) levels")
        }
        switch event.type {
        case YAML_ALIAS_EVENT:
            throw error(at: event.start_mark, "aliases (*name) are not supported; write the value out")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            try refuseAnchor(scalar.anchor, at: event.start_mark)
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE
            if plain, ["", "~", "null", "Null", "NULL"].contains(text) { return .null(mark) }
            return .scalar(text, mark, quoted: !plain)
        case YAML_SEQUENCE_START_EVENT:
            try refuseAnchor(event.data.sequence_start.anchor, at: event.start_mark)
            var items: [YAMLNode] = []
            while true {
                var child = try nextEvent()
                defer { yaml_event_delete(&child) }
                if child.type == YAML_SEQUENCE_END_EVENT { break }
                items.append(try node(startingWith: &child, depth: depth + 1))
            }
            return .sequence(items, mark)
        case YAML_MAPPING_START_EVENT:
            try refuseAnchor(event.data.mapping_start.anchor, at: event.start_mark)
            var pairs: [(key: String, value: YAMLNode)] = []
            var seen: Set<String> = []
            while true {
                var keyEvent = try nextEvent()
                defer { yaml_event_delete(&keyEvent) }
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                let keyNode = try node(startingWith: &keyEvent, depth: depth + 1)
                let key: String
                switch keyNode {
                case .scalar(let text, _, _): key = text
                case .null: key = ""
                default: throw error(at: keyEvent.start_mark, "mapping keys must be plain strings, found \(keyNode.kindDescription)")
                }
                guard seen.insert(key).inserted else {
                    throw error(at: keyEvent.start_mark, "duplicate key '\(key)'")
                }
                keyMarks[mark, default: [:]][key] = keyNode.mark
                var valueEvent = try nextEvent()
                defer { yaml_event_delete(&valueEvent) }
                pairs.append((key: key, value: try node(startingWith: &valueEvent, depth: depth + 1)))
            }
            return .mapping(pairs, mark)
        default:
            throw unexpected(event, "a value")
        }
    }

    private func refuseAnchor(_ anchor: UnsafeMutablePointer<yaml_char_t>?, at mark: yaml_mark_t) throws {
        guard let anchor else { return }
        let name = String(cString: anchor)
        throw error(at: mark, "anchors (&\(name)) and aliases are not supported; write the value out")
    }

    private func nextEvent() throws -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            let problem = parser.pointee.problem.map { String(cString: $0) } ?? "unknown error"
            var message = "invalid YAML: \(problem)"
            if let context = parser.pointee.context.map({ String(cString: $0) }) {
                let contextMark = Self.mark(parser.pointee.context_mark)
                message += " (\(context) at line \(contextMark.line), column \(contextMark.column))"
            }
            throw error(at: parser.pointee.problem_mark, message)
        }
        return event
    }

    private func unexpected(_ event: yaml_event_t, _ expected: String) -> JobletError {
        error(at: event.start_mark, "invalid YAML: expected \(expected)")
    }

    private func error(at mark: yaml_mark_t, _ message: String) -> JobletError {
        JobletError(.invalidYAML, "\(Self.mark(mark).located(in: file)): \(message)")
    }

    static func mark(_ mark: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
