#if canImport(Glibc)
    import Glibc
#endif
import JobletCore

extension RuntimePackage {
    /// `renameat2(2)` as libc exports it. Swift's Glibc module does not import it (it sits behind
    /// `_GNU_SOURCE`), so it is looked up by name; glibc has had it since 2.28.
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// `RENAME_EXCHANGE` from `<linux/fs.h>`.
    private static let renameExchange: UInt32 = 1 << 1

    /// Atomically swaps the directory entries `first` and `second` (both must exist, on one file
    /// system). Returns false, changing nothing, when the kernel or the file system cannot exchange
    /// (`ENOSYS`, `EINVAL`); any other failure throws.
    static func exchange(_ first: String, _ second: String) throws -> Bool {
        guard let handle = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(handle) }
        guard let symbol = dlsym(handle, "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        do {
            try IOCall.run("renameat2(RENAME_EXCHANGE)", "\(first) <-> \(second)") {
                renameat2(AT_FDCWD, first, AT_FDCWD, second, renameExchange)
            }
            return true
        } catch let error as JobletError where error.cause == "errno \(EINVAL)" || error.cause == "errno \(ENOSYS)" {
            return false
        }
    }

    /// Puts the tree at `staged` in place of the existing directory `destination`; afterwards
    /// `staged` holds the previous tree. Readers of `destination` never see it missing, except on
    /// file systems without `RENAME_EXCHANGE`.
    static func swapIn(_ staged: String, at destination: String, scratch: String) throws {
        if try exchange(staged, destination) { return }
        // Fallback only where RENAME_EXCHANGE is unsupported (EINVAL/ENOSYS): two renames, and the
        // runtime is missing between them, so a worker rescanning then drops it for one scan.
        let aside = RuntimeFiles.join(scratch, "previous")
        try RuntimeFiles.rename(destination, aside)
        do {
            try RuntimeFiles.rename(staged, destination)
        } catch {
            try? RuntimeFiles.rename(aside, destination)
            throw error
        }
        try RuntimeFiles.rename(aside, staged)
    }
}
