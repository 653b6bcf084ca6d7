/// A message that can never be processed: wrong type, bad JSON, missing fields. It is
/// dead-lettered with `reason` and never crashes a consumer.
public struct PoisonMessage: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
