/// Whether the broker writes a message to disk.
public enum DeliveryMode: UInt8, Sendable {
    case transient = 1
    case persistent = 2
}
