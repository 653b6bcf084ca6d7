import CIsolation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The filesystem of a sandbox as an ordered list of setup steps, computed in the worker
/// (where it may allocate and read the host) and replayed by the C child after clone.
struct SandboxLayout {
    /// One setup step; mirrors `struct joblet_op`.
    struct Step: Equatable {
        var kind: Int32
        var readOnly = false
        var flags: UInt = 0
        var source: String? = nil
        var target: String
        var fsType: String? = nil
        var data: String? = nil
        /// Names the step in errors, e.g. `mount /opt/python`.
        var stage: String
    }

    static let rdonly: UInt = 1, nosuid: UInt = 2, nodev: UInt = 4, noexec: UInt = 8

    /// Host directories shared read-only with every sandbox; symlinks are replicated as symlinks.
    static let baseDirectories = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
    /// The minimal `/etc`: what libc, name lookup, TLS and runtimes need.
    static let etcFiles = [
        "passwd", "group", "hosts", "resolv.conf", "nsswitch.conf", "ld.so.cache",
        "localtime", "host.conf", "gai.conf",
    ]
    static let etcDirectories = ["ssl/certs", "alternatives"]
    static let deviceNodes = ["null", "zero", "full", "random", "urandom", "tty"]

    /// Where the root tmpfs is mounted inside the job's mount namespace; one shared, empty host
    /// directory suffices because each job mounts on it privately.
    let root: String
    private(set) var steps: [Step] = []

    init(plan: SandboxPlan, root: String) throws(SandboxError) {
        self.root = root
        let tmpSize = max(plan.tmpSizeBytes, 4096)

        add(
            .init(
                kind: Int32(JOBLET_OP_MOUNT.rawValue), flags: Self.nosuid | Self.nodev, source: "tmpfs",
                target: root, fsType: "tmpfs", data: "mode=0755,size=4m", stage: "mount sandbox root"))
        // A job with a network gets its own /etc files for it (resolv.conf, hosts) instead of the host's.
        let networkEtc = (plan.network?.etcFiles ?? [:]).sorted { $0.key < $1.key }
        let replaced = Set(networkEtc.map { "/etc/" + $0.key })
        for var step in Self.hostBase where !replaced.contains(step.target) {
            step.target = root + step.target
            add(step)
        }
        for (name, source) in networkEtc { bind(source, at: "/etc/" + name, readOnly: true, isDirectory: false) }
        for mount in plan.runtimeMounts { try addRuntime(mount) }

        guard HostFile.type(plan.workDirectory) == .directory else {
            throw .invalid("mount /work", "work directory \(plan.workDirectory) is not a directory")
        }
        bind(plan.workDirectory, at: "/work", readOnly: false, isDirectory: true)
        if let tmpDirectory = plan.tmpDirectory {
            guard HostFile.type(tmpDirectory) == .directory else {
                throw .invalid("mount /tmp", "tmp directory \(tmpDirectory) is not a directory")
            }
            bind(tmpDirectory, at: "/tmp", readOnly: false, isDirectory: true)
        } else {
            mkdir("/tmp")
            add(
                .init(
                    kind: Int32(JOBLET_OP_MOUNT.rawValue), flags: Self.nosuid | Self.nodev, source: "tmpfs",
                    target: root + "/tmp", fsType: "tmpfs", data: "mode=1777,size=\(tmpSize)", stage: "mount /tmp"))
        }
        if !plan.volumes.isEmpty { mkdir("/volumes") }
        for volume in plan.volumes {
            let name = volume.name
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw .invalid("mount /volumes/\(name)", "volume name must be a single path component")
            }
            guard HostFile.type(volume.hostPath) == .directory else {
                throw .invalid("mount /volumes/\(name)", "host directory \(volume.hostPath) missing")
            }
            bind(volume.hostPath, at: "/volumes/" + name, readOnly: volume.readOnly, isDirectory: true)
        }
        addDev()
        mkdir("/proc")
        add(
            .init(
                kind: Int32(JOBLET_OP_MOUNT.rawValue), flags: Self.nosuid | Self.nodev | Self.noexec,
                source: "proc", target: root + "/proc", fsType: "proc", stage: "mount /proc"))
        add(
            .init(
                kind: Int32(JOBLET_OP_REMOUNT.rawValue), flags: Self.rdonly | Self.nosuid | Self.nodev,
                target: root, stage: "remount sandbox root read-only"))
    }

    /// The shared host part (base directories and the minimal `/etc`) with root-relative targets.
    /// Looked up once per worker: it is the same for every job, and spawning must stay cheap.
    static let hostBase: [Step] = {
        var layout = SandboxLayout(root: "")
        for dir in baseDirectories {
            switch HostFile.type(dir) {
            case .symlink:
                guard let link = HostFile.readLink(dir) else { continue }
                layout.symlink(link, at: dir)
            case .directory:
                layout.bind(dir, at: dir, readOnly: true, isDirectory: true)
            default:
                continue
            }
        }
        layout.addEtc()
        return layout.steps
    }()

    private init(root: String) { self.root = root }

    /// The host's device numbers of ``deviceNodes`` (character devices only), looked up once.
    static let hostDevices: [(String, UInt)] = deviceNodes.compactMap { node in
        var st = stat()
        guard lstat("/dev/" + node, &st) == 0, st.st_mode & S_IFMT == S_IFCHR else { return nil }
        return (node, UInt(st.st_rdev))
    }

    private mutating func add(_ step: Step) { steps.append(step) }

    private mutating func mkdir(_ path: String) {
        add(.init(kind: Int32(JOBLET_OP_MKDIR.rawValue), target: root + path, stage: "create \(path)"))
    }

    private mutating func symlink(_ destination: String, at path: String) {
        add(
            .init(
                kind: Int32(JOBLET_OP_SYMLINK.rawValue), source: destination, target: root + path,
                stage: "symlink \(path)"))
    }

    private mutating func bind(
        _ source: String, at path: String, readOnly: Bool, isDirectory: Bool,
        flags: UInt = nosuid | nodev, createTarget: Bool = true
    ) {
        if createTarget {
            if isDirectory {
                mkdir(path)
            } else {
                add(.init(kind: Int32(JOBLET_OP_FILE.rawValue), target: root + path, stage: "create \(path)"))
            }
        }
        add(
            .init(
                kind: Int32(JOBLET_OP_BIND.rawValue), readOnly: readOnly, flags: flags, source: source,
                target: root + path, stage: "mount \(path)"))
    }

    private mutating func addEtc() {
        mkdir("/etc")
        for name in Self.etcFiles {
            let path = "/etc/" + name
            switch HostFile.type(path) {
            case .symlink:
                // Links into the shared base (e.g. localtime -> /usr/share/zoneinfo/...) stay links;
                // anything else (resolv.conf -> /run/...) is bound as the file it points to.
                guard let link = HostFile.readLink(path), let real = HostFile.realPath(path) else { continue }
                if real.hasPrefix("/usr/") {
                    symlink(link, at: path)
                } else if HostFile.type(real) == .file {
                    bind(real, at: path, readOnly: true, isDirectory: false)
                }
            case .file:
                bind(path, at: path, readOnly: true, isDirectory: false)
            default:
                continue
            }
        }
        for name in Self.etcDirectories {
            let path = "/etc/" + name
            guard HostFile.type(path) == .directory else { continue }
            var prefix = "/etc"
            for component in name.split(separator: "/").dropLast() {
                prefix += "/" + component
                mkdir(prefix)
            }
            bind(path, at: path, readOnly: true, isDirectory: true)
        }
    }

    private mutating func addRuntime(_ mount: MountSpec) throws(SandboxError) {
        let target = try Self.normalize(mount.target, stage: "mount \(mount.target)")
        let stage = "mount \(target)"
        let sourceType = HostFile.resolvedType(mount.source)
        guard mount.source.hasPrefix("/"), sourceType == .directory || sourceType == .file else {
            throw .invalid(stage, "source missing (\(mount.source))")
        }
        let isDirectory = sourceType == .directory
        let components = target.split(separator: "/").map(String.init)
        guard let first = components.first else { throw .invalid(stage, "target must not be /") }
        if ["proc", "dev", "work", "tmp"].contains(first) {
            throw .invalid(stage, "target is reserved by the sandbox")
        }
        let base = "/" + first
        if Self.baseDirectories.contains(base), HostFile.type(base) != .missing {
            // The base is already a read-only bind: the target must exist there (same as on the host).
            let existing = HostFile.resolvedType(target)
            guard existing != .missing else {
                throw .invalid(stage, "target missing inside read-only \(base); choose a target outside it")
            }
            guard (existing == .directory) == isDirectory else {
                throw .invalid(stage, "target type differs from source \(mount.source)")
            }
            bind(
                mount.source, at: target, readOnly: mount.readOnly, isDirectory: isDirectory,
                createTarget: false)
            return
        }
        var prefix = ""
        for component in components.dropLast() {
            prefix += "/" + component
            if steps.contains(where: { $0.target == root + prefix && $0.kind == Int32(JOBLET_OP_MKDIR.rawValue) }) {
                continue
            }
            mkdir(prefix)
        }
        bind(mount.source, at: target, readOnly: mount.readOnly, isDirectory: isDirectory)
    }

    private mutating func addDev() {
        mkdir("/dev")
        add(
            .init(
                kind: Int32(JOBLET_OP_MOUNT.rawValue), flags: Self.nosuid | Self.noexec, source: "tmpfs",
                target: root + "/dev", fsType: "tmpfs", data: "mode=0755,size=64k", stage: "mount /dev"))
        // The same character devices as the host's, made in place: a mknod is cheaper than a bind.
        for (node, device) in Self.hostDevices {
            add(
                .init(
                    kind: Int32(JOBLET_OP_MKNOD.rawValue), flags: device, target: root + "/dev/" + node,
                    stage: "create /dev/\(node)"))
        }
        mkdir("/dev/shm")
        add(
            .init(
                kind: Int32(JOBLET_OP_MOUNT.rawValue), flags: Self.nosuid | Self.nodev, source: "tmpfs",
                target: root + "/dev/shm", fsType: "tmpfs", data: "mode=1777,size=64m", stage: "mount /dev/shm"))
        mkdir("/dev/pts")
        add(
            .init(
                kind: Int32(JOBLET_OP_MOUNT.rawValue), flags: Self.nosuid | Self.noexec, source: "devpts",
                target: root + "/dev/pts", fsType: "devpts", data: "newinstance,ptmxmode=0666,mode=0620",
                stage: "mount /dev/pts"))
        symlink("pts/ptmx", at: "/dev/ptmx")
        symlink("/proc/self/fd", at: "/dev/fd")
        symlink("/proc/self/fd/0", at: "/dev/stdin")
        symlink("/proc/self/fd/1", at: "/dev/stdout")
        symlink("/proc/self/fd/2", at: "/dev/stderr")
    }

    /// An absolute path without `.`/`..` components or repeated slashes.
    static func normalize(_ path: String, stage: String) throws(SandboxError) -> String {
        guard path.hasPrefix("/") else { throw .invalid(stage, "target must be an absolute path") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw .invalid(stage, "target must not contain . or ..")
        }
        return "/" + parts.joined(separator: "/")
    }
}
