/// The checkout the tests were built from (found from this file's path), for tests that read the
/// shipped samples under config/, docs/ or runtimes/.
public enum RepositoryRoot {
    public static let path: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        // Sources/TestSupport/RepositoryRoot.swift
        components.removeLast(3)
        return components.joined(separator: "/")
    }()
}
