/// Something in a YAML document that was accepted but probably is not what the author meant,
/// e.g. a misspelt key. Rendered as `runtime.yml:7:3: unknown key 'mountz' (ignored); known keys: …`.
public struct YAMLWarning: Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var mark: YAMLMark
    public var message: String

    public init(file: String?, mark: YAMLMark, message: String) {
        self.file = file
        self.mark = mark
        self.message = message
    }

    public var description: String { "\(mark.located(in: file)): \(message)" }
}
