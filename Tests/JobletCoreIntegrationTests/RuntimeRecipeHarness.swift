import Foundation
@testable import JobletCore
import TestSupport

/// Builds the real runtimes from `runtimes/<id>/build.sh` once per test run and runs commands with
/// ONLY a runtime's mounts and environment visible: a private mount namespace (`unshare --mount`)
/// with a tmpfs root holding read-only binds of the host base (/usr, /lib*, /bin, /sbin, /etc), the
/// runtime's mounts read-only over their targets, a fresh /proc, /dev and a tmpfs /tmp, then `chroot`
/// and `env -i`. (A stand-in for the real sandbox, which comes from the Isolation module.)
enum RuntimeRecipeHarness {
    static let cacheDirectory = "/var/cache/joblet/test-runtimes"
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/JobletCoreTests/<file>
        return url.path
    }()

    enum BuildOutcome { case built(String), missingHostInput(String) }

    /// Builds (or reuses) runtime `id`; exit status 3 from a recipe means a host input is missing.
    static func build(_ id: String) throws -> BuildOutcome {
        let result = try RuntimeScratch.run(["/bin/bash", repositoryRoot + "/runtimes/\(id)/build.sh", cacheDirectory])
        if result.status == 3 { return .missingHostInput(result.output) }
        guard result.status == 0 else {
            throw JobletError(.system, "runtimes/\(id)/build.sh failed (\(result.status)): \(result.output)")
        }
        return .built(cacheDirectory + "/" + id)
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Runs `argv` inside the runtime at `directory` with only its mounts and environment.
    static func run(_ argv: [String], runtime directory: String) throws -> (status: Int32, output: String) {
        let config = try RuntimeConfig.load(directory: directory).value
        let root = try RuntimeScratch.directory("root")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var script = """
            set -e
            r=\(quote(root))
            mount -t tmpfs tmpfs "$r"
            for d in usr bin sbin lib lib32 lib64 libx32 etc; do
              [ -e "/$d" ] || continue
              if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$r/$d"; continue; fi
              mkdir "$r/$d"; mount --rbind "/$d" "$r/$d"; mount -o remount,bind,ro "$r/$d"
            done
            mkdir "$r/proc" "$r/dev" "$r/tmp"
            mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"; mount -t tmpfs tmpfs "$r/tmp"

            """
        for mount in config.mounts {
            let source = quote(directory + "/" + mount.source)
            let target = "\"$r\"" + quote(mount.target)
            script += "mkdir -p \(target); mount --bind \(source) \(target)\n"
            if mount.readonly { script += "mount -o remount,bind,ro \(target)\n" }
        }
        let environment = config.environment(basePATH: "/usr/bin:/bin")
        let assignments = environment.sorted { $0.key < $1.key }.map { quote("\($0.key)=\($0.value)") }
        script += "cd /\nexec chroot \"$r\" /usr/bin/env -i " + (assignments + argv.map(quote)).joined(separator: " ") + "\n"
        return try RuntimeScratch.run(["/usr/bin/unshare", "--mount", "--fork", "/bin/sh", "-c", script])
    }
}
