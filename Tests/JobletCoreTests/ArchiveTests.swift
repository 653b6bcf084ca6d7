import Foundation
import Testing
@testable import JobletCore
@testable import JobletPackages

/// A scratch directory removed when the test ends.
private final class Scratch {
    let path: String

    init() throws {
        var template = Array("/tmp/joblet-archive-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw JobletError(.io, "mkdtemp failed") }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Runs a python3 snippet (tarfile/zipfile) with `out` bound to `file(name)`; returns that path.
    @discardableResult
    func python(_ name: String, _ body: String) throws -> String {
        let out = file(name)
        let script = "import io, os, sys, tarfile, zipfile\nout = sys.argv[1]\nbase = sys.argv[2]\n" + body
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, out, path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw JobletError(.io, "python helper failed for \(name)") }
        return out
    }

    /// Everything under the scratch dir except the given names: what an extraction left behind.
    func leftovers(except keep: Set<String>) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { !keep.contains($0) }.sorted()
    }
}

/// Python that appends one tar member: `add(name, type, data=b"", linkname="", mode=0o644)`.
private let tarHelper = """
    def member(tar, name, kind=tarfile.REGTYPE, data=b"", linkname="", mode=0o644, devmajor=0, devminor=0):
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mode = mode
        info.linkname = linkname
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        info.devmajor, info.devminor = devmajor, devminor
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

    """

private func mode(_ path: String) throws -> Int {
    var info = stat()
    guard lstat(path, &info) == 0 else { throw JobletError(.io, "lstat \(path) failed") }
    return Int(info.st_mode & 0o7777)
}

@Suite struct ArchiveTests {
    /// Hostile archives: each must be refused as unsafe, leave no destination and nothing outside it.
    static let hostile: [(name: String, members: String, reason: String)] = [
        ("dotdot", #"member(t, "ok.txt", data=b"fine"); member(t, "../evil", data=b"x")"#, "'..'"),
        ("absolute", #"member(t, base + "/abs-evil", data=b"x")"#, "absolute path"),
        (
            "symlink-to-etc", #"member(t, "etc", tarfile.SYMTYPE, linkname="/etc"); member(t, "etc/evil", data=b"x")"#,
            "points outside the destination"
        ),
        ("symlink-escape", #"member(t, "a", tarfile.SYMTYPE, linkname="../../x")"#, "points outside the destination"),
        (
            "dotdot-after-name", #"member(t, "d", tarfile.DIRTYPE, mode=0o755); member(t, "d/a", tarfile.SYMTYPE, linkname="b/../../../x")"#,
            "points outside the destination"
        ),
        (
            "through-symlink", #"member(t, "d", tarfile.DIRTYPE, mode=0o755); member(t, "l", tarfile.SYMTYPE, linkname="d"); member(t, "l/f", data=b"x")"#,
            "written through the symlink 'l'"
        ),
        ("hardlink-escape", #"member(t, "h", tarfile.LNKTYPE, linkname="../../etc/passwd")"#, "'..'"),
        ("hardlink-absolute", #"member(t, "h", tarfile.LNKTYPE, linkname="/etc/passwd")"#, "absolute path"),
        ("device", #"member(t, "null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)"#, "device, fifo or socket"),
        ("fifo", #"member(t, "pipe", tarfile.FIFOTYPE)"#, "device, fifo or socket"),
        ("duplicate", #"member(t, "f", data=b"a"); member(t, "f", data=b"b")"#, "appears twice"),
    ]

    @Test(arguments: 0..<ArchiveTests.hostile.count)
    func hostileTarIsRefusedAndLeavesNothing(index: Int) throws {
        let (name, members, reason) = Self.hostile[index]
        let scratch = try Scratch()
        let archive = try scratch.python(
            "\(name).tar.gz",
            tarHelper + """
                with tarfile.open(out, "w:gz") as t:
                    \(members)
                """)
        let destination = scratch.file("out")
        let error = try #require(throws: JobletError.self) {
            try ArchiveExtractor.extract(file: archive, to: destination)
        }
        #expect(error.code == .unsafeArchive, "\(name): \(error)")
        #expect(error.message.contains(reason), "\(name): \(error.message)")
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(try scratch.leftovers(except: ["\(name).tar.gz"]) == [], "\(name) left files behind")
        #expect(!FileManager.default.fileExists(atPath: "/etc/evil"))
    }

    @Test func zipBombIsStoppedByActualBytes() throws {
        let scratch = try Scratch()
        // 50 MB of zeros in a ~50 KB zip: stopped while writing, by the bytes really decompressed.
        let archive = try scratch.python(
            "bomb.zip",
            """
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("zeros", b"\\0" * (50 << 20))
            """)
        #expect(try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int ?? 0 < 1 << 20)
        let limits = ArchiveLimits(maxTotalBytes: 10 << 20)
        let error = try #require(throws: JobletError.self) {
            try ArchiveExtractor.extract(file: archive, to: scratch.file("out"), limits: limits)
        }
        #expect(
            error
                == JobletError(
                    .unsafeArchive,
                    "archive decompresses to more than the limit of 10M in total (at entry 'zeros')"))
        #expect(try scratch.leftovers(except: ["bomb.zip"]) == [])
    }

    @Test func tooManyBytesAcrossEntriesAndTooManyEntriesAreRefused() throws {
        let scratch = try Scratch()
        let archive = try scratch.python(
            "many.tar.gz",
            tarHelper + """
                with tarfile.open(out, "w:gz") as t:
                    for i in range(20):
                        member(t, "f%02d" % i, data=b"z" * (1 << 20))
                """)
        let bytesError = try #require(throws: JobletError.self) {
            try ArchiveExtractor.extract(file: archive, to: scratch.file("out"), limits: .init(maxTotalBytes: 5 << 20))
        }
        #expect(bytesError.code == .unsafeArchive)
        let entriesError = try #require(throws: JobletError.self) {
            try ArchiveExtractor.extract(file: archive, to: scratch.file("out"), limits: .init(maxEntries: 10))
        }
        #expect(entriesError == JobletError(.unsafeArchive, "archive has more than 10 entries (the limit)"))
        #expect(try scratch.leftovers(except: ["many.tar.gz"]) == [])
        let summary = try ArchiveExtractor.extract(file: archive, to: scratch.file("out"))
        #expect(summary == ExtractionSummary(entries: 20, bytes: 20 << 20))
    }

    @Test func garbageIsAnInvalidArchive() throws {
        let scratch = try Scratch()
        let error = try #require(throws: JobletError.self) {
            try ArchiveExtractor.extract(bytes: Array("this is not an archive at all".utf8), to: scratch.file("out"))
        }
        #expect(error.code == .invalidArchive)
        #expect(error.message.contains("Unrecognized archive format"), "\(error.message)")
        #expect(try scratch.leftovers(except: []) == [])
    }

    @Test func normalTarGzExtractsWithModesAndStripsSetuid() throws {
        let scratch = try Scratch()
        let archive = try scratch.python(
            "ok.tar.gz",
            tarHelper + """
                with tarfile.open(out, "w:gz") as t:
                    member(t, "./bin", tarfile.DIRTYPE, mode=0o750)
                    member(t, "./bin/run.sh", data=b"#!/bin/sh\\necho hi\\n", mode=0o755)
                    member(t, "./bin/suid", data=b"x", mode=0o4755)
                    member(t, "./secret", data=b"s3cret", mode=0o600)
                    member(t, "./current", tarfile.SYMTYPE, linkname="bin/run.sh")
                    member(t, "./bin/up", tarfile.SYMTYPE, linkname="../secret")
                    member(t, "./bin/hard", tarfile.LNKTYPE, linkname="./secret")
                """)
        #expect(try ArchiveExtractor.list(file: archive) == ["bin", "bin/run.sh", "bin/suid", "secret", "current", "bin/up", "bin/hard"])
        let out = scratch.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)  // empty is fine
        let summary = try ArchiveExtractor.extract(file: archive, to: out)
        #expect(summary == ExtractionSummary(entries: 7, bytes: 18 + 1 + 6))
        #expect(try mode(out + "/bin") == 0o750)
        #expect(try mode(out + "/bin/run.sh") == 0o755)
        #expect(try mode(out + "/bin/suid") == 0o755)
        #expect(try mode(out + "/secret") == 0o600)
        #expect(try String(contentsOfFile: out + "/bin/run.sh", encoding: .utf8) == "#!/bin/sh\necho hi\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/current") == "bin/run.sh")
        #expect(try String(contentsOfFile: out + "/bin/up", encoding: .utf8) == "s3cret")
        #expect(try String(contentsOfFile: out + "/bin/hard", encoding: .utf8) == "s3cret")
        #expect(try scratch.leftovers(except: ["ok.tar.gz", "out"]) == [])
    }

    @Test func nonEmptyDestinationIsRefused() throws {
        let scratch = try Scratch()
        let archive = try scratch.python(
            "ok.tar",
            tarHelper + """
                with tarfile.open(out, "w") as t:
                    member(t, "a", data=b"new")
                """)
        let out = scratch.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: out + "/a", contents: Data("old".utf8)))
        #expect(throws: JobletError.self) { try ArchiveExtractor.extract(file: archive, to: out) }
        #expect(try String(contentsOfFile: out + "/a", encoding: .utf8) == "old")
    }

    @Test func zipExtractsWithModes() throws {
        let scratch = try Scratch()
        let archive = try scratch.python(
            "ok.zip",
            """
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                d = zipfile.ZipInfo("pkg/")
                d.external_attr = (0o40755 << 16) | 0x10
                z.writestr(d, b"")
                f = zipfile.ZipInfo("pkg/tool")
                f.external_attr = 0o100755 << 16
                z.writestr(f, b"tool body")
                g = zipfile.ZipInfo("pkg/runtime.yml")
                g.external_attr = 0o100640 << 16
                z.writestr(g, b"name: x\\n")
            """)
        #expect(try ArchiveExtractor.list(file: archive) == ["pkg", "pkg/tool", "pkg/runtime.yml"])
        let out = scratch.file("out")
        let summary = try ArchiveExtractor.extract(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: archive))), to: out)
        #expect(summary.entries == 3)
        #expect(try mode(out + "/pkg/tool") == 0o755)
        #expect(try mode(out + "/pkg/runtime.yml") == 0o640)
        #expect(try String(contentsOfFile: out + "/pkg/runtime.yml", encoding: .utf8) == "name: x\n")
    }

    /// Writes a small tree with files, modes, an empty dir and a symlink.
    private func makeTree(in scratch: Scratch) throws -> String {
        let tree = scratch.file("tree")
        let fm = FileManager.default
        try fm.createDirectory(atPath: tree + "/lib/python/empty", withIntermediateDirectories: true)
        let created = [
            fm.createFile(atPath: tree + "/runtime.yml", contents: Data("name: t\n".utf8), attributes: [.posixPermissions: 0o644]),
            fm.createFile(
                atPath: tree + "/lib/python/run", contents: Data(repeating: 7, count: 100_000),
                attributes: [.posixPermissions: 0o755]),
            fm.createFile(atPath: tree + "/lib/private", contents: Data("p".utf8), attributes: [.posixPermissions: 0o600]),
        ]
        #expect(created == [true, true, true])
        try fm.createSymbolicLink(atPath: tree + "/bin", withDestinationPath: "lib/python")
        return tree
    }

    /// (path, kind, mode, contents or link target) of every node under `root`, sorted.
    private func snapshot(_ root: String) throws -> [String] {
        let fm = FileManager.default
        var rows: [String] = []
        for relative in try fm.subpathsOfDirectory(atPath: root) {
            let path = root + "/" + relative
            let attributes = try fm.attributesOfItem(atPath: path)
            let type = attributes[.type] as? FileAttributeType
            let perm = (attributes[.posixPermissions] as? Int) ?? -1
            switch type {
            case .typeSymbolicLink: rows.append("\(relative) link \(try fm.destinationOfSymbolicLink(atPath: path))")
            case .typeDirectory: rows.append("\(relative) dir \(String(perm, radix: 8))")
            default:
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                rows.append("\(relative) file \(String(perm, radix: 8)) \(data.count) \(data.hashValue)")
            }
        }
        return rows.sorted()
    }

    @Test func createTarGzIsReproducibleAndRoundTrips() throws {
        let scratch = try Scratch()
        let tree = try makeTree(in: scratch)
        try ArchiveWriter.createTarGz(directory: tree, to: scratch.file("a.tar.gz"))
        // A different mtime must not change the archive.
        var times = [timeval(tv_sec: 1_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000, tv_usec: 0)]
        #expect(utimes(tree + "/runtime.yml", &times) == 0)
        try ArchiveWriter.createTarGz(directory: tree, to: scratch.file("b.tar.gz"))
        let first = try Data(contentsOf: URL(fileURLWithPath: scratch.file("a.tar.gz")))
        let second = try Data(contentsOf: URL(fileURLWithPath: scratch.file("b.tar.gz")))
        #expect(first == second)
        #expect(Array(first.prefix(10))[4..<8] == [0, 0, 0, 0])  // gzip MTIME field
        #expect(first[3] & 0x08 == 0)  // no FNAME in the gzip header
        #expect(try ArchiveWriter.tarGz(directory: tree) == Array(first))

        #expect(
            try ArchiveExtractor.list(file: scratch.file("a.tar.gz")) == [
                "bin", "lib", "lib/private", "lib/python", "lib/python/empty", "lib/python/run", "runtime.yml",
            ])
        let out = scratch.file("out")
        try ArchiveExtractor.extract(file: scratch.file("a.tar.gz"), to: out)
        #expect(try snapshot(out) == snapshot(tree))
    }

    @Test func tarGzOfPathsStoresEachUnderItsName() throws {
        let scratch = try Scratch()
        let tree = try makeTree(in: scratch)
        let bytes = try ArchiveWriter.tarGz(paths: [tree + "/runtime.yml", tree + "/lib/"])
        let out = scratch.file("out")
        try ArchiveExtractor.extract(bytes: bytes, to: out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["lib", "runtime.yml"])
        #expect(try snapshot(out + "/lib") == snapshot(tree + "/lib"))
        #expect(throws: JobletError.self) { try ArchiveWriter.tarGz(paths: [tree + "/runtime.yml", tree + "/runtime.yml"]) }
    }
}
