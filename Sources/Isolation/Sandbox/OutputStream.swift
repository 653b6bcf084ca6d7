/// Which of the job's output pipes a chunk came from.
public enum OutputStream: String, Sendable {
    case stdout, stderr
}
