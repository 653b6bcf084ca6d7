#if canImport(Glibc)
    import Glibc
#endif
import FuzzSupport
import JobletCore
import JobletPackages

// Job uploads (tar.gz from any submitter) and runtime packages: list and extract each input into its own
// fresh directory under a per-process temp root, with small limits so huge expansions stay cheap, then
// check nothing was written outside it. The directory is removed after every input.
let root = FuzzScratch.makeRoot(prefix: "joblet-fuzz-archive")
nonisolated(unsafe) var sequence = 0

FuzzDriver.run { data, count in
    let bytes = FuzzDriver.bytes(data, count)
    let limits = ArchiveLimits(maxTotalBytes: 4 << 20, maxEntries: 256, maxEntryBytes: 1 << 20)
    sequence += 1
    let box = "\(root)/\(sequence)"
    let archive = "\(box)/input"
    let destination = "\(box)/out"
    FuzzScratch.makeDirectory(box)
    FuzzScratch.write(bytes, to: archive)
    do {
        _ = try ArchiveExtractor.list(file: archive, limits: limits)
    } catch {
        FuzzDriver.explain("list refused: \(error)")
    }
    do {
        _ = try ArchiveExtractor.extract(bytes: bytes, to: destination, limits: limits)
    } catch {
        FuzzDriver.explain("extract refused: \(error)")
    }
    precondition(
        FuzzScratch.entries(box).allSatisfy { $0 == "input" || $0 == "out" },
        "extraction left something beside its destination: \(FuzzScratch.entries(box))")
    FuzzScratch.remove(box)
    precondition(FuzzScratch.entries(root).isEmpty, "extraction wrote outside its box: \(FuzzScratch.entries(root))")
    return 0
}
