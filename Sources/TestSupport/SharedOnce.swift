/// A value made on first use and handed to every later caller in the process (a failure too).
public actor SharedOnce<Value: Sendable> {
    private var task: Task<Value, any Error>?

    public init() {}

    /// The value, made by `make` if this is the first call; later calls wait for that one.
    public func value(_ make: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let task { return try await task.value }
        let started = Task { try await make() }
        task = started
        return try await started.value
    }
}
