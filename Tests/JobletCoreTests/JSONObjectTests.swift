import Testing
@testable import JobletCore

/// `JSONObject` searches a small object in order and keeps an index from `indexedFrom` members on: the
/// same answers on both sides of that line, whatever is set, replaced or removed.
@Suite struct JSONObjectTests {
    private func object(members count: Int) -> JSONObject {
        var object = JSONObject()
        for number in 0..<count { object["k\(number)"] = .int(Int64(number)) }
        return object
    }

    @Test(arguments: [3, JSONObjectKeys.indexedFrom - 1, JSONObjectKeys.indexedFrom, 200])
    func membersKeepOrderThroughReplaceAndRemove(count: Int) {
        var object = object(members: count)
        #expect(object.keys == (0..<count).map { "k\($0)" })
        #expect(object["k\(count - 1)"] == .int(Int64(count - 1)))
        #expect(object["absent"] == nil)

        object["k0"] = .string("replaced")  // keeps its place
        #expect(object.keys.first == "k0")
        #expect(object["k0"] == .string("replaced"))

        object["k1"] = nil  // later members move up and are still found
        #expect(object.count == count - 1)
        #expect(object["k1"] == nil)
        #expect(object["k2"] == .int(2))
        #expect(object["k\(count - 1)"] == .int(Int64(count - 1)))
        object["k1"] = .null  // back, at the end
        #expect(object.keys.last == "k1")
        #expect(object.pairs.map(\.key) == object.keys)
    }

    @Test func equalityIsMembersInOrder() {
        let forward: JSONObject = ["a": .int(1), "b": .int(2)]
        let backward: JSONObject = ["b": .int(2), "a": .int(1)]
        #expect(forward == ["a": .int(1), "b": .int(2)])
        #expect(forward != backward)
        #expect(object(members: 40) == object(members: 40))
        var changed = object(members: 40)
        changed["k39"] = .int(0)
        #expect(changed != object(members: 40))
    }

    /// A large object from the wire (a hostile `env`): every member read, an unknown one among many named.
    @Test func largeObjectsDecodeAndNameTheirUnknownMember() throws {
        struct Env: Decodable { var env: [String: String] }
        struct Two: Decodable { var a: Int; var b: Int }
        let members = (0..<5_000).map { "\"V\($0)\":\"\($0)\"" }.joined(separator: ",")
        let env = try JSONCodec.decode(Env.self, from: Array("{\"env\":{\(members)}}".utf8)).env
        #expect(env.count == 5_000)
        #expect(env["V4999"] == "4999")

        let many = (0..<100).map { "\"x\($0)\":0" }.joined(separator: ",")
        #expect(throws: JobletError(.invalidJSON, "x0: unknown field (known: a, b)")) {
            try JSONCodec.decode(Two.self, from: Array("{\"a\":1,\(many),\"b\":2}".utf8))
        }
        let two = try JSONCodec.decode(Two.self, from: Array("{\(many),\"b\":2,\"a\":1}".utf8), rejectUnknownKeys: false)
        #expect(two.a == 1 && two.b == 2)
    }
}

/// The encoder's objects follow the same rule (in order when small, indexed when large).
@Suite struct JSONEncodingNodeTests {
    /// Writes `key` twice through two nested containers, as a hand-written `encode(to:)` may.
    private struct Reopened: Encodable {
        let members: Int
        enum Keys: String, CodingKey { case first, nested }
        struct Member: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            try outer.encode(1, forKey: .first)
            var nested = outer.nestedContainer(keyedBy: Member.self, forKey: .nested)
            for number in 0..<members { try nested.encode(number, forKey: Member(stringValue: "m\(number)")) }
            var again = outer.nestedContainer(keyedBy: Member.self, forKey: .nested)
            try again.encode(-1, forKey: Member(stringValue: "m0"))
            try again.encode(-2, forKey: Member(stringValue: "late"))
        }
    }

    @Test(arguments: [2, JSONObjectKeys.indexedFrom + 5])
    func reopenedKeysMergeInPlace(members: Int) throws {
        let text = String(decoding: try JSONCodec.encode(Reopened(members: members)), as: UTF8.self)
        let rest = (1..<members).map { ",\"m\($0)\":\($0)" }.joined()
        #expect(text == "{\"first\":1,\"nested\":{\"m0\":-1\(rest),\"late\":-2}}")
    }

    @Test func largeDictionariesAreWrittenSorted() throws {
        let dictionary = Dictionary(uniqueKeysWithValues: (0..<100).map { ("k\($0)", $0) })
        let text = String(decoding: try JSONCodec.encode(dictionary), as: UTF8.self)
        let sorted = dictionary.keys.sorted().map { "\"\($0)\":\(dictionary[$0] ?? 0)" }.joined(separator: ",")
        #expect(text == "{\(sorted)}")
    }
}
