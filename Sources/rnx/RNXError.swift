import JobletClient

/// rnx's errors are the client library's: one type, so a failure deep in JobletClient reaches the
/// user with the same message and exit status as one raised by rnx itself.
typealias RNXError = JobletClientError
