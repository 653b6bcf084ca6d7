import Testing
@testable import JobletCore

private struct Limits: Codable, Equatable {
    var memory: ByteSize?
    var cpu_percent: Int?
}

private struct Upload: Codable, Equatable {
    var name: String
    var mode: UInt16
}

private struct JobRequest: Codable, Equatable {
    var job_id: String
    var command: [String]
    var env: [String: String]
    var limits: Limits
    var uploads: [Upload]
    var timeout_seconds: Double?
    var interactive: Bool
    var retries: Int8?
    var metadata: JSONValue?
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
private func json(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct JSONCodecTests {
    private let request = JobRequest(
        job_id: "j-1", command: ["python3", "-c", "print(1)"], env: ["B": "2", "A": "1"],
        limits: Limits(memory: ByteSize(bytes: 512 << 20), cpu_percent: nil),
        uploads: [Upload(name: "data.csv", mode: 0o644)], timeout_seconds: 0.1, interactive: false, retries: nil,
        metadata: .object(["z": .int(1), "a": .array([.null, .bool(true), .double(2.5), .string("é\"\n")])]))

    @Test func encodesCompactInDeclarationOrderAndRoundTrips() throws {
        let bytes = try JSONCodec.encode(request)
        #expect(
            text(bytes) == #"{"job_id":"j-1","command":["python3","-c","print(1)"],"env":{"A":"1","B":"2"},"#
                + #""limits":{"memory":536870912},"uploads":[{"name":"data.csv","mode":420}],"timeout_seconds":0.1,"#
                + #""interactive":false,"metadata":{"z":1,"a":[null,true,2.5,"é\"\n"]}}"#)
        #expect(try JSONCodec.decode(JobRequest.self, from: bytes) == request)
    }

    @Test func optionalsAcceptAbsentOrNull() throws {
        let decoded = try JSONCodec.decode(Limits.self, from: json(#"{"memory":null}"#))
        #expect(decoded == Limits(memory: nil, cpu_percent: nil))
        #expect(text(try JSONCodec.encode(decoded)) == "{}")
    }

    @Test func parseAndSerializeKeepOrderAndNumbers() throws {
        let value = try JSONCodec.parse(json(#" {"b": [1, 2.0, 1e300, -0.5], "a": {"x": null}} "#))
        guard case .object(let object) = value else {
            Issue.record("expected an object")
            return
        }
        #expect(object.keys == ["b", "a"])
        #expect(object["b"] == .array([.int(1), .double(2), .double(1e300), .double(-0.5)]))
        let out = text(try JSONCodec.serialize(value))
        #expect(out == #"{"b":[1,2.0,1e300,-0.5],"a":{"x":null}}"#)
        #expect(
            text(try JSONCodec.serialize(.array([.double(100), .double(0.30000000000000004)])))
                == "[100.0,0.30000000000000004]")
    }

    @Test func wrongTypeNamesPathAndWhatWasFound() {
        #expect(throws: JobletError(.invalidJSON, "command[2]: expected a string, found number")) {
            try JSONCodec.decode(
                JobRequest.self,
                from: json(
                    #"{"job_id":"j","command":["a","b",3],"env":{},"limits":{},"uploads":[],"interactive":true}"#))
        }
        #expect(throws: JobletError(.invalidJSON, "interactive: expected a boolean, found number")) {
            try JSONCodec.decode(
                JobRequest.self,
                from: json(
                    #"{"job_id":"j","command":[],"env":{},"limits":{},"uploads":[],"interactive":1}"#))
        }
        #expect(throws: JobletError(.invalidJSON, "uploads[0].name: expected a string, found null")) {
            try JSONCodec.decode(
                JobRequest.self,
                from: json(
                    #"{"job_id":"j","command":[],"env":{},"limits":{},"uploads":[{"name":null,"mode":1}],"interactive":true}"#))
        }
    }

    @Test func integerWidthsAreChecked() {
        #expect(throws: JobletError(.invalidJSON, "uploads[0].mode: expected an integer between 0 and 65535, found 70000")) {
            try JSONCodec.decode(
                JobRequest.self,
                from: json(
                    #"{"job_id":"j","command":[],"env":{},"limits":{},"uploads":[{"name":"n","mode":70000}],"interactive":true}"#))
        }
        #expect(throws: JobletError(.invalidJSON, "retries: expected an integer, found 1.5")) {
            try JSONCodec.decode(
                JobRequest.self,
                from: json(
                    #"{"job_id":"j","command":[],"env":{},"limits":{},"uploads":[],"interactive":true,"retries":1.5}"#))
        }
    }

    @Test func customTypeDataCorruptedKeepsItsMessage() {
        #expect(throws: JobletError(.invalidJSON, "limits.memory: expected \(ByteSize.acceptedForms)")) {
            try JSONCodec.decode(
                JobRequest.self,
                from: json(
                    #"{"job_id":"j","command":[],"env":{},"limits":{"memory":"lots"},"uploads":[],"interactive":true}"#))
        }
    }

    @Test func missingFieldIsNamed() {
        #expect(throws: JobletError(.invalidJSON, "job_id: missing required field")) {
            try JSONCodec.decode(JobRequest.self, from: json(#"{"command":[],"env":{},"limits":{},"uploads":[],"interactive":true}"#))
        }
        #expect(throws: JobletError(.invalidJSON, "uploads[0].mode: missing required field")) {
            try JSONCodec.decode(
                JobRequest.self,
                from: json(
                    #"{"job_id":"j","command":[],"env":{},"limits":{},"uploads":[{"name":"n"}],"interactive":true}"#))
        }
    }

    @Test func unknownFieldIsRejectedUnlessAllowed() throws {
        let body = #"{"job_id":"j","command":[],"env":{"ANY":"x"},"limits":{"memroy":"1G"},"uploads":[],"interactive":true}"#
        #expect(throws: JobletError(.invalidJSON, "limits.memroy: unknown field (known: memory, cpu_percent)")) {
            try JSONCodec.decode(JobRequest.self, from: json(body))
        }
        let lenient = try JSONCodec.decode(JobRequest.self, from: json(body), rejectUnknownKeys: false)
        #expect(lenient.limits == Limits(memory: nil, cpu_percent: nil))
        #expect(lenient.env == ["ANY": "x"])
    }

    @Test func syntaxErrorCarriesLineAndColumn() {
        let error = #expect(throws: JobletError.self) { try JSONCodec.parse(json("{\n  \"a\": tru\n}")) }
        #expect(error?.code == .invalidJSON)
        #expect(error?.message == "invalid JSON at line 2, column 10: invalid token near 'tru'")
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JobletError(.invalidJSON, "JSON nested deeper than 64 levels")) { try JSONCodec.parse(json(deep)) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONCodec.parse(json(fine)) }
    }

    @Test func nonFiniteAndOversizedValuesAreNotWritten() {
        #expect(throws: JobletError(.invalidJSON, "timeout_seconds: inf cannot be written as JSON (only finite numbers)")) {
            var bad = request
            bad.timeout_seconds = .infinity
            _ = try JSONCodec.encode(bad)
        }
        #expect(throws: JobletError.self) { _ = try JSONCodec.encode([UInt64.max]) }
    }
}

/// Doubles are written with the fewest digits that read back exactly, each on its own (jansson prints every
/// double of a document with one precision: one 17-digit time made 0.1 read 0.10000000000000001).
@Suite struct JSONDoubleTests {
    @Test(arguments: [
        (0.1, "0.1"), (100.0, "100.0"), (1e-05, "1e-5"), (123.456, "123.456"), (-12.5, "-12.5"),
        (0.30000000000000004, "0.30000000000000004"), (1_764_620_000.123456, "1764620000.123456"), (1e+20, "1e20"),
        (0.0, "0.0"), (-0.0, "-0.0"), (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e308"),
        (1e16, "1e16"), (123_456_789_012.0, "123456789012.0"),
    ])
    func fewestDigits(number: Double, text: String) throws {
        #expect(String(decoding: try JSONCodec.serialize(.double(number)), as: UTF8.self) == text)
        #expect(try JSONCodec.parse(Array(text.utf8)) == .double(number))
    }

    @Test func everyDoubleReadsBackExactly() throws {
        struct Sample: Codable, Equatable { let values: [Double] }
        let sample = Sample(values: [0.1, 100.0, 1e-05, 1_764_620_000.123456, 0.30000000000000004, -2.5e-300, 1.7976931348623157e308])
        let bytes = try JSONCodec.encode(sample)
        #expect(try JSONCodec.decode(Sample.self, from: bytes) == sample)
        // Each double on its own: a 17-digit one leaves the others short.
        #expect(
            String(decoding: try JSONCodec.encode(Sample(values: [0.1, 0.30000000000000004, 2.5])), as: UTF8.self)
                == #"{"values":[0.1,0.30000000000000004,2.5]}"#)
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: JobletError.self) { _ = try JSONCodec.serialize(.array([.double(.nan)])) }
        #expect(throws: JobletError.self) { _ = try JSONCodec.serialize(.double(-.infinity)) }
    }
}
