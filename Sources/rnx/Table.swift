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

    /// `Key:` in bold, padded so that the values line up (`rnx status`, `rnx runtime info`).
    static func fields(_ fields: [(String, String)], style: Style = .stdout) -> [String] {
        let width = fields.map(\.0.count).max() ?? 0
        return fields.map { key, value in "\(style.bold(key + ":"))\(String(repeating: " ", count: width - key.count + 1))\(value)" }
    }
}

extension OutputOptions {
    /// What every list command prints: with --json the items as the dispatcher sent them; with none,
    /// `empty` on stderr (what to do about it) and nothing on stdout; else a table of `columns`, a
    /// row an item, in `order` when given (the JSON keeps the dispatcher's order).
    func printTable<Item: Encodable>(
        _ items: [Item], columns: [String], empty: String,
        order: ((Item, Item) -> Bool)? = nil, row: (Item) -> [String]
    ) throws {
        if json { try printJSON(items); return }
        if items.isEmpty {
            Terminal.err(empty)
            return
        }
        var table = Table(columns)
        let ordered = order.map { items.sorted(by: $0) } ?? items
        for item in ordered { table.add(row(item)) }
        Terminal.out(table.render())
    }
}
