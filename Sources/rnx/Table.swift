/// A plain-text table: left-aligned columns separated by two spaces, header in bold on a terminal.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(style: Style = .stdout) -> String {
        var widths = headers.map(Table.visibleWidth)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Table.visibleWidth(cell))
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                let isLast = index == cells.count - 1
                text += cell
                if !isLast { text += String(repeating: " ", count: widths[index] - Table.visibleWidth(cell) + 2) }
            }
            return text
        }
        var lines = [style.bold(line(headers))]
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }

    /// Width as shown: characters outside ANSI escape sequences.
    static func visibleWidth(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for character in text.unicodeScalars {
            if inEscape {
                if character == "m" { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                count += 1
            }
        }
        return count
    }
}
