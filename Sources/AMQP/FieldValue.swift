/// A value in an AMQP field table (headers, queue arguments).
public indirect enum FieldValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    /// All integer kinds arrive as `int`; sent as a signed 64-bit integer.
    case int(Int64)
    /// Floats and doubles arrive as `double`; sent as a 64-bit float.
    case double(Double)
    case table(FieldTable)
    case array([FieldValue])
    case bytes([UInt8])
    /// Seconds since the epoch.
    case timestamp(UInt64)
    case void
}

/// An AMQP field table.
public typealias FieldTable = [String: FieldValue]
