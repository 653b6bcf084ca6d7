/// The checkout the tests were built from (found from this file's path), for tests that read the
/// shipped samples under config/, docs/ or runtimes/.
public enum RepositoryRoot {
    /// This file is `<root>/Sources/TestSupport/RepositoryRoot.swift`.
    public static let path: String = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        .dropLast(3).joined(separator: "/")
}
