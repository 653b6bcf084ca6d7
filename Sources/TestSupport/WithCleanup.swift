/// Runs `body`, then awaits `cleanup` whether it returned or threw: a `defer` for async cleanup.
public func withCleanup<Result>(
    isolation: isolated (any Actor)? = #isolation, _ cleanup: () async -> Void,
    do body: () async throws -> Result
) async rethrows -> Result {
    let result: Result
    do {
        result = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}
