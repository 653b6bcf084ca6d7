import JobletCore

/// Invariants shared by the JSON targets.
public enum RoundTrip {
    /// What was decoded must encode, and decode again to the same value: the dispatcher stores requests
    /// and records as JSON and reads them back, so a value that does not survive that is a bug.
    public static func check<T: Codable & Equatable>(_ value: T) {
        let bytes: [UInt8]
        do {
            bytes = try JSONCodec.encode(value)
        } catch {
            preconditionFailure("decoded \(T.self) does not encode: \(error)")
        }
        do {
            let again = try JSONCodec.decode(T.self, from: bytes)
            precondition(again == value, "\(T.self) changed in a round trip: \(String(decoding: bytes, as: UTF8.self))")
        } catch {
            preconditionFailure("\(T.self) does not decode its own encoding \(String(decoding: bytes, as: UTF8.self)): \(error)")
        }
    }

    /// Decodes `T` strictly, as consumers do; nil for anything refused (said on stderr with
    /// JOBLET_FUZZ_EXPLAIN=1, to check a seed decodes as intended).
    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        do {
            return try JSONCodec.decode(type, from: bytes)
        } catch {
            FuzzDriver.explain("not a \(T.self): \(error)")
            return nil
        }
    }
}
