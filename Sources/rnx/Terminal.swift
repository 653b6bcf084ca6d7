#if canImport(Glibc)
    import Glibc
#endif
import SystemCalls

/// What the CLI writes to, and whether it may decorate it (colour, progress lines).
enum Terminal {
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb.
    static func colourEnabled(_ fd: Int32) -> Bool {
        isTTY(fd) && environment("NO_COLOR") == nil && environment("TERM") != "dumb"
    }

    /// Writes every byte, retrying short writes and EINTR; a closed pipe is ignored (`rnx logs | head`).
    static func write(_ bytes: [UInt8], to fd: Int32) {
        try? FileDescriptorIO.writeAll(fd, bytes)
    }

    static func out(_ text: String) { write(Array((text + "\n").utf8), to: 1) }
    static func err(_ text: String) { write(Array((text + "\n").utf8), to: 2) }
}
