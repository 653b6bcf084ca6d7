import JobletClient
import JobletCore

extension GlobalOptions {
    /// Connects, runs `body`, and closes the connection whatever happens.
    func withClient<T>(settings: ClientSettings? = nil, _ body: (ClusterClient) async throws -> T) async throws -> T {
        let client = try await ClusterClient.connect(try settings ?? resolve())
        do {
            let value = try await body(client)
            await client.close()
            return value
        } catch {
            await client.close()
            throw error
        }
    }

    /// Asks the dispatcher one question on a connection of its own.
    func query(_ request: RPCRequest) async throws -> RPCResponse {
        try await withClient { client in try await client.query(request) }
    }

    /// `cancel`, `delete`, `status`: checks the job id argument, then asks `method` about that job.
    func query(_ method: RPCRequest.Method, job id: String) async throws -> (jobID: String, response: RPCResponse) {
        let jobID = try checkedJobID(id)
        return (jobID, try await query(RPCRequest(method: method, jobID: jobID)))
    }
}

/// Checks a job id argument before asking the dispatcher (which resolves unique prefixes).
func checkedJobID(_ text: String) throws -> String {
    let id = text.lowercased()
    guard JobID.isPlausiblePrefix(id) else {
        throw RNXError(.usage, "\"\(text)\" is not a job id: ids are 32 hex characters; give the id or a unique prefix of it (see rnx list)")
    }
    return id
}
