#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Formats an image file as ext4 with `mkfs.ext4` (e2fsprogs), the one subprocess of the disk layer.
/// Blocking (waits for the child): call it off the cooperative pool.
enum Ext4Format {
    static let candidates = ["/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4", "/usr/bin/mkfs.ext4"]

    static var executable: String? { candidates.first { access($0, X_OK) == 0 } }

    /// No journal (a job's scratch space need not survive a crash; it is thrown away), 4K blocks,
    /// no root reserve, inode tables initialised lazily (mounted with `noinit_itable`, so never
    /// zeroed) and no discard: a fresh sparse image is formatted in about 10 ms whatever its size.
    static func arguments(image: String) -> [String] {
        [
            "mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", "-L", "joblet-job",
            "-O", "^has_journal,^resize_inode", "-E", "lazy_itable_init=1,nodiscard,root_owner=0:0", image,
        ]
    }

    static func format(_ image: String) throws(SandboxError) {
        guard let executable else {
            throw .disk("mkfs.ext4", "not installed (install e2fsprogs) in \(candidates.joined(separator: ", "))")
        }
        let output = try System.pipe()
        defer { System.close(output.read) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, output.write, 2)

        let argv = arguments(image: image).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), strdup("LC_ALL=C"), nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        System.close(output.write)
        if rc != 0 { throw SandboxError.system("posix_spawn \(executable)", errno: rc) }

        // Small output (errors only, with -q): read it all, then reap.
        let text = (try? System.readFully(output.read, count: 4096)) ?? []
        var status: Int32 = 0
        _ = try System.call("waitpid") { waitpid(pid, &status, 0) }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let detail = String(decoding: text, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            let how = exited ? "exit \(code)" : "signal \(status & 0x7f)"
            throw .disk("mkfs.ext4 \(image)", "\(how)\(detail.isEmpty ? "" : ": " + detail)")
        }
    }
}
