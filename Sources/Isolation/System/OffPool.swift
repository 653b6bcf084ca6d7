extension System {
    /// Runs blocking `body` (mkfs, mount, removing a disk's files) on its own OS thread and awaits
    /// the result, so it never holds one of Swift's few cooperative threads.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws(SandboxError) -> T) async throws(SandboxError) -> T {
        let result: Result<T, SandboxError> = await withCheckedContinuation { continuation in
            do throws(SandboxError) {
                try startThread { continuation.resume(returning: Result { () throws(SandboxError) in try body() }) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }
}
