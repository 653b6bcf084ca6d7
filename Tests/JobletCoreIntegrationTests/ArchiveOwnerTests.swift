#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport
import Testing
@testable import JobletCore
@testable import JobletPackages

/// Extraction with an owner: every entry (symlinks too) is chowned, which takes root.
@Suite struct ArchiveOwnerTests {
    /// Python that writes a tar.gz to argv[1] (the `member` helper as in ArchiveTests).
    static let tarHelper = """
        import io, sys, tarfile
        out = sys.argv[1]
        def member(tar, name, kind=tarfile.REGTYPE, data=b"", linkname="", mode=0o644):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mode = mode
            info.linkname = linkname
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

        """

    /// A scratch directory with `python(name, body)` as ArchiveTests has it.
    struct Scratch {
        let path: String
        init() throws { path = try RuntimeScratch.directory("archive-owner") }
        func file(_ name: String) -> String { "\(path)/\(name)" }
        func python(_ name: String, _ body: String) throws -> String {
            let out = file(name)
            let result = try RuntimeScratch.run(["/usr/bin/python3", "-c", body, out])
            guard result.status == 0 else { throw JobletError(.io, "python helper failed for \(name): \(result.output)") }
            return out
        }
    }

    @Test(.integration(needs: [.root])) func ownerIsAppliedToEveryEntry() throws {
        let scratch = try Scratch()
        defer { RuntimeScratch.remove(scratch.path) }
        let archive = try scratch.python(
            "up.tar.gz",
            Self.tarHelper + """
                with tarfile.open(out, "w:gz") as t:
                    member(t, "dir", tarfile.DIRTYPE, mode=0o755)
                    member(t, "dir/input.txt", data=b"data")
                    member(t, "link", tarfile.SYMTYPE, linkname="dir/input.txt")
                """)
        let out = scratch.file("out")
        try ArchiveExtractor.extract(file: archive, to: out, owner: (uid: 4321, gid: 4322))
        for path in [out, out + "/dir", out + "/dir/input.txt", out + "/link"] {
            var info = stat()
            #expect(lstat(path, &info) == 0)
            #expect(info.st_uid == 4321 && info.st_gid == 4322, "\(path)")
        }
    }
}
