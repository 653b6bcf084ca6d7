/// The worker's version, advertised to the fleet.
public enum WorkerVersion {
    public static let current = "0.1.0"
}
