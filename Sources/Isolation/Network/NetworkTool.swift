#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs `ip` (iproute2), `nft` (nftables) and `nsenter` (util-linux): the only way job networks are
/// changed (docs/WORKER.md, Networking, says why binaries and not netlink). Each call is one batch
/// read from stdin, so a job's rules change atomically. Blocking: call it off the cooperative pool.
enum NetworkTool {
    static let directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    /// Batches stay well under a pipe's buffer, so writing all input before reading cannot block.
    static let maxInput = 48 << 10
    static let maxOutput = 1 << 20

    static func path(_ name: String) -> String? {
        directories.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// What is missing for bridged jobs on this host, named by package; empty when nothing is.
    static var missing: [String] {
        [("ip", "iproute2"), ("nft", "nftables"), ("nsenter", "util-linux")].compactMap { tool, package in
            path(tool) == nil ? "\(tool) (\(package))" : nil
        }
    }

    /// Runs `argv` with `input` on stdin; returns stdout and stderr together. Throws naming `stage`
    /// and the tool's last line of output when it exits non-zero.
    @discardableResult
    static func run(_ argv: [String], input: String = "", stage: String) throws(SandboxError) -> String {
        guard let tool = argv.first, let executable = path(tool) else {
            throw .network(stage, "\(argv.first ?? "?") is not installed; install \(missing.joined(separator: ", "))")
        }
        let bytes = Array(input.utf8)
        guard bytes.count <= maxInput else { throw .network(stage, "batch of \(bytes.count) bytes is too long") }
        let stdin = try System.pipe()
        let output: (read: Int32, write: Int32)
        do { output = try System.pipe() } catch { System.close(stdin.read); System.close(stdin.write); throw error }
        defer { System.close(output.read) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, output.write, 2)

        let arguments = argv.map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), strdup("LC_ALL=C"), nil]
        defer { (arguments + environment).forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, nil, arguments, environment)
        System.close(stdin.read)
        System.close(output.write)
        if rc != 0 {
            System.close(stdin.write)
            throw .system("posix_spawn \(executable)", errno: rc)
        }
        var writeError: SandboxError?
        if !bytes.isEmpty {
            do { try System.writeAll(stdin.write, bytes) } catch { writeError = error }
        }
        System.close(stdin.write)
        let text = (try? System.readFully(output.read, count: maxOutput)) ?? []
        // Past the cap, drain to end of file so the tool can exit.
        if text.count == maxOutput { while ((try? System.readFully(output.read, count: 64 << 10)) ?? []).count > 0 {} }
        var status: Int32 = 0
        _ = try System.call("waitpid") { waitpid(pid, &status, 0) }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        let printed = String(decoding: text, as: UTF8.self)
        guard exited, code == 0 else {
            let detail = printed.split(separator: "\n").last.map(String.init) ?? ""
            let how = exited ? "exit \(code)" : "signal \(status & 0x7f)"
            throw .network(stage, "\(tool) \(how)\(detail.isEmpty ? "" : ": " + detail)")
        }
        if let writeError { throw writeError }
        return printed
    }
}
