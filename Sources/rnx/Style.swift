import JobletCore

/// ANSI styling that disappears when the stream is not a colour terminal.
struct Style: Sendable {
    let enabled: Bool

    static let stdout = Style(enabled: Terminal.colourEnabled(1))
    static let stderr = Style(enabled: Terminal.colourEnabled(2))

    func apply(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { apply("1", text) }
    func dim(_ text: String) -> String { apply("2", text) }
    func red(_ text: String) -> String { apply("31", text) }
    func green(_ text: String) -> String { apply("32", text) }
    func yellow(_ text: String) -> String { apply("33", text) }
    func blue(_ text: String) -> String { apply("34", text) }

    func state(_ state: JobState) -> String {
        switch state {
        case .completed: return green(state.rawValue)
        case .running: return blue(state.rawValue)
        case .queued: return yellow(state.rawValue)
        case .failed, .lost, .rejected, .unschedulable, .timedOut: return red(state.rawValue)
        case .cancelled: return dim(state.rawValue)
        }
    }
}
