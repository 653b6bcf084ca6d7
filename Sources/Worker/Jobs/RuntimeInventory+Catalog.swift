import Isolation
import JobletCore

extension RuntimeInventory {
    /// Reads the catalog. Until the catalog exists only host jobs are offered.
    func scanCatalog() -> [String: InstalledRuntime] {
        [:]
    }
}
