import JobletCore

extension RPCRequest {
    /// A request about the caller's network or volume `name` (create, remove, share, …).
    init(method: Method, name: String) {
        self.init(method: method)
        self.name = name
    }
}

extension GlobalOptions {
    /// `rnx network remove` and `rnx volume remove`: removes the named `noun` and reports it,
    /// as the dispatcher's JSON response or as one line.
    func remove(_ method: RPCRequest.Method, noun: String, name: String, output: OutputOptions) async throws {
        let response = try await query(RPCRequest(method: method, name: name))
        if output.json { try output.printJSON(response); return }
        Terminal.out("removed \(noun) \(name)")
    }
}
