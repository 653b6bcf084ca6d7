import GRDB

// The store's per-job statements run from each connection's statement cache: SQLite parses and GRDB
// authorizes a statement once per connection instead of on every call (in a profile of a 2,000-job
// run, preparing statements was about a quarter of the store's CPU).

extension Database {
    /// Executes `sql` with a statement prepared once per connection.
    func execute(cached sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

extension Row {
    /// The first row of `sql`, with a statement prepared once per connection.
    static func fetchOne(_ db: Database, cached sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

extension DatabaseValueConvertible {
    /// The first value of `sql`, with a statement prepared once per connection.
    static func fetchOne(_ db: Database, cached sql: String, arguments: StatementArguments = StatementArguments()) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}
