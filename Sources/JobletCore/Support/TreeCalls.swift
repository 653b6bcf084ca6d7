#if canImport(Glibc)
    import Glibc
#endif
import CSystemCalls
import SystemCalls

/// The system calls of ``TreeRemoval``, each retrying `EINTR` and throwing `JobletError(.io)` that
/// names the call and the path (``IOCall``). Paths are only for messages (built when a call fails):
/// every call is relative to a directory descriptor.
enum TreeCalls {
    /// Directory descriptors: never follow a symlink, never leak into a child process.
    static let directoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
    /// `O_PATH` (a GNU flag the Glibc module does not import); this value holds on x86_64 and aarch64.
    static let pathOnlyFlag: Int32 = 0o10000000
    /// openat2's `resolve` for every entry the walk opens: the kernel fails with EXDEV rather than
    /// step onto a mount point of any kind, a bind mount of the same file system included (which
    /// `st_dev` cannot tell), and follows no symlink. Checked by the open itself, so nothing can
    /// be mounted between a check and the use.
    static let stayOnMount = UInt64(RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

    enum Opened {
        case directory(Int32)
        /// The entry went away meanwhile.
        case gone
        /// A symlink or other non-directory: unlink it instead.
        case notDirectory
        /// A file system is mounted there (EXDEV): not entered.
        case mountPoint
    }

    /// `mountPoint`: a file bind-mounted over the entry, or a mount made on an emptied directory (EBUSY).
    enum Unlinked { case removed, gone, isDirectory, mountPoint }

    /// ``retryingOnInterrupt(_:)`` as a `Result`, for the callers below that switch on the errno.
    static func retrying(_ body: () -> Int32) -> Result<Int32, Errno> {
        Result { () throws(Errno) -> Int32 in try retryingOnInterrupt(body) }
    }

    /// The directory at `path`, or nil when there is none (nothing below it to remove either).
    static func openDirectory(_ path: String) throws -> Int32? {
        switch retrying({ open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }) {
        case .success(let fd): return fd
        case .failure(let error) where error.code == ENOENT: return nil
        case .failure(let error): throw IOCall.failed("open", path, error.code)
        }
    }

    static func fstat(_ fd: Int32, display: @autoclosure () -> String) throws -> stat {
        var info = stat()
        if case .failure(let error) = retrying({ Glibc.fstat(fd, &info) }) { throw IOCall.failed("fstat", display(), error.code) }
        return info
    }

    /// Unlinks a non-directory entry; a directory is reported, not removed.
    @discardableResult
    static func unlinkFile(at fd: Int32, _ name: [CChar], display: @autoclosure () -> String) throws -> Unlinked {
        switch try withWritableParent(fd, { unlinkat(fd, name, 0) }) {
        case .success: return .removed
        case .failure(let error) where error.code == ENOENT: return .gone
        // Linux says EISDIR; POSIX allows EPERM, which also means "try it as a directory".
        case .failure(let error) where error.code == EISDIR: return .isDirectory
        case .failure(let error) where error.code == EBUSY: return .mountPoint
        case .failure(let error): throw IOCall.failed("unlinkat", display(), error.code)
        }
    }

    /// Removes an emptied directory entry: `.removed`, `.gone` (already) or `.mountPoint`.
    static func removeDirectory(at fd: Int32, _ name: [CChar], display: @autoclosure () -> String) throws -> Unlinked {
        switch try withWritableParent(fd, { unlinkat(fd, name, AT_REMOVEDIR) }) {
        case .success: return .removed
        case .failure(let error) where error.code == ENOENT: return .gone
        case .failure(let error) where error.code == EBUSY: return .mountPoint
        case .failure(let error): throw IOCall.failed("unlinkat", display(), error.code)
        }
    }

    /// Opens a child directory without following a symlink or stepping onto a mount. One the job
    /// made unreadable (mode 000; only a non-root caller ever sees EACCES) is made 0700 first,
    /// through a descriptor pinned to it.
    static func openChild(at fd: Int32, _ name: [CChar], display: @autoclosure () -> String) throws -> Opened {
        switch try openStayingOnMount(at: fd, name, directoryFlags, display: display()) {
        case .success(let child): return .directory(child)
        case .failure(let error) where error.code == ENOENT: return .gone
        case .failure(let error) where error.code == ELOOP || error.code == ENOTDIR: return .notDirectory
        case .failure(let error) where error.code == EXDEV: return .mountPoint
        case .failure(let error) where error.code == EACCES: return try openUnreadable(at: fd, name, display: display())
        case .failure(let error): throw IOCall.failed("openat2", display(), error.code)
        }
    }

    /// openat2 with ``stayOnMount``. Without openat2 (ENOSYS: Linux before 5.6, or a seccomp filter
    /// that hides it) nothing could tell a bind mount of the same file system, so that throws.
    private static func openStayingOnMount(
        at fd: Int32, _ name: [CChar], _ flags: Int32, display: @autoclosure () -> String
    ) throws -> Result<Int32, Errno> {
        let result = retrying({ joblet_openat2(fd, name, UInt64(flags), stayOnMount) })
        if case .failure(let error) = result, error.code == ENOSYS {
            throw JobletError(
                .system,
                "cannot remove \(display()) safely: openat2 is not available (it needs Linux 5.6 or later, and no seccomp filter that hides it), and without it a mount inside the tree could be emptied; stopped",
                cause: "errno \(ENOSYS)")
        }
        return result
    }

    /// Reopens the parent of `fd` through `..`, checking it is the directory the walk left there.
    /// Plain openat: `fd` was opened without crossing a mount, so its `..` is on the same one.
    static func openParent(
        of fd: Int32, expecting expected: (device: dev_t, inode: ino_t),
        display: @autoclosure () -> String
    ) throws -> Int32 {
        let dotDot = Array("..".utf8CString)
        let parent: Int32
        switch retrying({ openat(fd, dotDot, directoryFlags) }) {
        case .success(let opened): parent = opened
        case .failure(let error): throw IOCall.failed("openat(..)", display(), error.code)
        }
        let info: stat
        do { info = try fstat(parent, display: display()) } catch { close(parent); throw error }
        guard info.st_dev == expected.device, info.st_ino == expected.inode else {
            close(parent)
            throw JobletError(.io, "\(display()) was moved while it was being removed; stopped rather than delete elsewhere")
        }
        return parent
    }

    private static func openUnreadable(at fd: Int32, _ name: [CChar], display: @autoclosure () -> String) throws -> Opened {
        // An O_PATH descriptor needs no permission and pins the directory itself, so the chmod
        // through its /proc link cannot be redirected to a symlink's target.
        let pinned: Int32
        switch try openStayingOnMount(at: fd, name, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | pathOnlyFlag, display: display()) {
        case .success(let opened): pinned = opened
        case .failure(let error) where error.code == ENOENT: return .gone
        case .failure(let error) where error.code == ELOOP || error.code == ENOTDIR: return .notDirectory
        case .failure(let error) where error.code == EXDEV: return .mountPoint
        case .failure(let error): throw IOCall.failed("openat2", display(), error.code)
        }
        defer { close(pinned) }
        // Plain open through the link: it reaches the directory already pinned (openat2 could not:
        // /proc is a mount of its own, and the link is a magic link).
        let link = "/proc/self/fd/\(pinned)"
        if case .failure(let error) = retrying({ chmod(link, 0o700) }) { throw IOCall.failed("chmod", display(), error.code) }
        switch retrying({ open(link, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }) {
        case .success(let opened): return .directory(opened)
        case .failure(let error): throw IOCall.failed("open", display(), error.code)
        }
    }

    /// Runs an unlink in directory `fd`; when the directory is not writable for us (a read-only
    /// runtime tree removed by a non-root user), makes it 0700 and tries once more.
    private static func withWritableParent(_ fd: Int32, _ body: () -> Int32) throws -> Result<Int32, Errno> {
        let first = retrying(body)
        guard case .failure(let error) = first, error.code == EACCES || error.code == EPERM else { return first }
        guard case .success = retrying({ fchmod(fd, 0o700) }) else { return first }
        return retrying(body)
    }
}
