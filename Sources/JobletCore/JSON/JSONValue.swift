/// A JSON document as a value: what `JSONCodec.parse` returns and `JSONCodec.serialize` writes.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}
