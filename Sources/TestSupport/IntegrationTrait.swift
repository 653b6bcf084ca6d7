import Testing

/// Thrown by the trait's condition when a required run lacks a requirement: Swift Testing records
/// an error thrown while evaluating a condition as a failure of the test, not a skip.
public struct IntegrationRequirementMissing: Error, CustomStringConvertible {
    public let description: String
}

extension Trait where Self == ConditionTrait {
    /// Marks an integration suite or test: it runs when this host meets `needs`, is skipped with a
    /// message naming what is missing otherwise, and fails instead of skipping when
    /// `CI=true` or `JOBLET_REQUIRE_INTEGRATION=1` (scripts/test sets the latter).
    public static func integration(
        needs requirements: [IntegrationRequirement],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Self {
        switch IntegrationGate.decision(needs: requirements, in: .current()) {
        case .run:
            return .enabled(if: true, sourceLocation: sourceLocation)
        case .skip(let reason):
            return .enabled(if: false, Comment(rawValue: reason), sourceLocation: sourceLocation)
        case .fail(let reason):
            return .enabled(Comment(rawValue: reason), sourceLocation: sourceLocation) {
                throw IntegrationRequirementMissing(description: reason)
            }
        }
    }
}
