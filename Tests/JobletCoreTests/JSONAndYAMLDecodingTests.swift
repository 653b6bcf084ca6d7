import Testing
@testable import JobletCore

// JSONCodec and YAML decode through one TreeDecoder: the same type gives the same values and fails at
// the same coding path in both, each in its own words (JSON type names; YAML "a list", line:column).

private struct Mount: Decodable, Equatable {
    var source: String
    var target: String
    var readonly: Bool?
}

private enum Mode: String, Decodable {
    case fast, safe
}

/// `[first, second]`: read positionally from an unkeyed container.
private struct Pair: Decodable, Equatable {
    var first: Int
    var second: Int

    init(first: Int, second: Int) {
        (self.first, self.second) = (first, second)
    }

    init(from decoder: any Decoder) throws {
        var items = try decoder.unkeyedContainer()
        first = try items.decode(Int.self)
        second = try items.decode(Int.self)
    }
}

/// Refuses "bad" with an error that is not a `DecodingError`.
private struct Checked: Decodable, Equatable {
    var text: String

    init(text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
        if text == "bad" { throw JobletError(.invalidArgument, "bad is not allowed") }
    }
}

private struct Sample: Decodable, Equatable {
    var name: String
    var enabled: Bool
    var slots: Int
    var mode: UInt16
    var ratio: Double
    var scale: Float
    var offset: Int64
    var kind: Mode
    var tags: [String]
    var env: [String: String]
    var mounts: [Mount]
    var absent: String?
    var empty: Int?
    var holes: [Int?]
    var matrix: [[Int]]
    var pair: Pair
    var size: ByteSize
    var checked: Checked
}

private let sampleJSON = """
    {"name":"n","enabled":true,"slots":4,"mode":420,"ratio":0.5,"scale":1.5,"offset":-7,"kind":"safe",
     "tags":["a","b"],"env":{"A":"1","B":"x"},"mounts":[{"source":"s","target":"/t","readonly":false},
     {"source":"u","target":"/v"}],"empty":null,"holes":[1,null,3],"matrix":[[1,2],[]],"pair":[5,6],
     "size":"1G","checked":"fine"}
    """

private let sampleYAML = """
    name: n
    enabled: true
    slots: 4
    mode: 420
    ratio: 0.5
    scale: 1.5
    offset: -7
    kind: safe
    tags: [a, b]
    env:
      A: "1"
      B: x
    mounts:
      - source: s
        target: /t
        readonly: false
      - source: u
        target: /v
    empty: ~
    holes: [1, null, 3]
    matrix: [[1, 2], []]
    pair: [5, 6]
    size: 1G
    checked: fine

    """

private struct Upload: Decodable {
    var name: String
    var mode: UInt16
}

private struct Limits: Decodable {
    var memory: Int?
    var interactive: Bool?
}

private struct Job: Decodable {
    var command: [String]
    var limits: Limits
    var uploads: [Upload]
    var pair: Pair?
    var checked: Checked?
}

/// One failure written in both formats: where it is, and what each format says about it.
struct JSONAndYAMLFailure: Sendable, CustomStringConvertible {
    var json: String
    var yaml: String
    var path: String
    var jsonSays: String
    var yamlSays: String

    var description: String { path }
}

private func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try JSONCodec.decode(type, from: Array(text.utf8))
}

@Suite struct JSONAndYAMLDecodingTests {
    @Test func equivalentDocumentsDecodeToEqualValues() throws {
        let fromJSON = try decodeJSON(Sample.self, sampleJSON)
        let fromYAML = try YAML.decode(Sample.self, from: sampleYAML, file: "sample.yml")
        #expect(fromYAML.warnings.isEmpty)
        #expect(fromJSON == fromYAML.value)
        #expect(
            fromJSON
                == Sample(
                    name: "n", enabled: true, slots: 4, mode: 420, ratio: 0.5, scale: 1.5, offset: -7, kind: .safe,
                    tags: ["a", "b"], env: ["A": "1", "B": "x"],
                    mounts: [Mount(source: "s", target: "/t", readonly: false), Mount(source: "u", target: "/v", readonly: nil)],
                    absent: nil, empty: nil, holes: [1, nil, 3], matrix: [[1, 2], []], pair: Pair(first: 5, second: 6),
                    size: ByteSize(bytes: 1 << 30), checked: Checked(text: "fine")))
    }

    @Test(arguments: [
        JSONAndYAMLFailure(
            json: #"{"command":["a",["x"]],"limits":{},"uploads":[]}"#,
            yaml: "command: [a, [x]]\nlimits: {}\nuploads: []\n",
            path: "command[1]", jsonSays: "expected a string, found array", yamlSays: "expected a string, found a list"),
        JSONAndYAMLFailure(
            json: #"{"command":[],"limits":{"interactive":1},"uploads":[]}"#,
            yaml: "command: []\nlimits:\n  interactive: 1\nuploads: []\n",
            path: "limits.interactive", jsonSays: "expected a boolean, found number",
            yamlSays: "expected a boolean (true or false), found a number"),
        JSONAndYAMLFailure(
            json: #"{"command":[],"limits":[],"uploads":[]}"#,
            yaml: "command: []\nlimits: []\nuploads: []\n",
            path: "limits", jsonSays: "expected an object, found array", yamlSays: "expected a mapping, found a list"),
        JSONAndYAMLFailure(
            json: #"{"command":[],"limits":{},"uploads":[{"name":"a","mode":1},{"name":null,"mode":1}]}"#,
            yaml: "command: []\nlimits: {}\nuploads:\n  - {name: a, mode: 1}\n  - {name: ~, mode: 1}\n",
            path: "uploads[1].name", jsonSays: "expected a string, found null", yamlSays: "expected a string, found null"),
        JSONAndYAMLFailure(
            json: #"{"command":[],"limits":{},"uploads":[{"name":"a","mode":70000}]}"#,
            yaml: "command: []\nlimits: {}\nuploads:\n  - {name: a, mode: 70000}\n",
            path: "uploads[0].mode", jsonSays: "expected an integer between 0 and 65535, found 70000",
            yamlSays: "expected an integer between 0 and 65535, found 70000"),
        JSONAndYAMLFailure(
            json: #"{"command":[],"limits":{"memory":"1"},"uploads":[]}"#,
            yaml: "command: []\nlimits:\n  memory: \"1\"\nuploads: []\n",
            path: "limits.memory", jsonSays: "expected an integer, found string", yamlSays: "expected an integer, found a string"),
        JSONAndYAMLFailure(
            json: #"{"command":[],"limits":{},"uploads":[],"pair":[5]}"#,
            yaml: "command: []\nlimits: {}\nuploads: []\npair: [5]\n",
            path: "pair", jsonSays: "expected at least 2 elements, found 1", yamlSays: "expected at least 2 items, found 1"),
        JSONAndYAMLFailure(
            json: #"{"command":[],"limits":{},"uploads":[],"checked":"bad"}"#,
            yaml: "command: []\nlimits: {}\nuploads: []\nchecked: bad\n",
            path: "checked", jsonSays: "bad is not allowed", yamlSays: "bad is not allowed"),
    ])
    func failuresNameTheSamePath(failure: JSONAndYAMLFailure) throws {
        #expect(throws: JobletError(.invalidJSON, "\(failure.path): \(failure.jsonSays)")) {
            try decodeJSON(Job.self, failure.json)
        }
        let error = try #require(throws: JobletError.self) { try YAML.decode(Job.self, from: failure.yaml, file: "job.yml") }
        #expect(error.code == .invalidYAML)
        #expect(error.message.hasPrefix("job.yml:"))
        #expect(error.message.hasSuffix(": \(failure.path): \(failure.yamlSays)"), "\(error.message)")
    }

    @Test func missingKeyIsNamedInBoth() throws {
        #expect(throws: JobletError(.invalidJSON, "uploads[0].mode: missing required field")) {
            try decodeJSON(Job.self, #"{"command":[],"limits":{},"uploads":[{"name":"a"}]}"#)
        }
        // YAML places it at the mapping that lacks it.
        #expect(throws: JobletError(.invalidYAML, "job.yml:4:5: uploads[0]: missing required key 'mode'")) {
            try YAML.decode(Job.self, from: "command: []\nlimits: {}\nuploads:\n  - name: a\n", file: "job.yml")
        }
    }

    @Test func unknownKeysAreFoundAtTheSamePath() throws {
        // JSON refuses them (known keys in the order asked for); YAML warns (known keys sorted).
        #expect(throws: JobletError(.invalidJSON, "uploads[1].modes: unknown field (known: name, mode)")) {
            try decodeJSON(Job.self, #"{"command":[],"limits":{},"uploads":[{"name":"a","mode":1},{"name":"b","mode":2,"modes":3}]}"#)
        }
        let yaml = "command: []\nlimits: {}\nuploads:\n  - {name: a, mode: 1}\n  - {name: b, mode: 2, modes: 3}\n"
        let decoded = try YAML.decode(Job.self, from: yaml, file: "job.yml")
        #expect(
            decoded.warnings.map(\.description) == [
                "job.yml:5:24: unknown key 'uploads[1].modes' (ignored); known keys: mode, name"
            ])
    }
}
