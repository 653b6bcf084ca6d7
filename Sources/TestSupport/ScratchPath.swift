import Foundation

/// A path under the temp directory for one test's files, removed when the test process exits: tests of
/// the store left a directory per test in /tmp on every run. The removal is `TreeRemoval`'s, which never
/// enters a mount; `JOBLET_KEEP_TEST_FILES=1` keeps them all and prints each path at exit (see ExitCleanup).
public enum ScratchPath {
    /// `<tmp>/joblet-<label>-<random>`, not created; everything at it goes at exit.
    public static func make(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "joblet-\(label)-\(UInt64.random(in: 0...UInt64.max))"
        ExitCleanup.registerDirectory(path)
        return path
    }
}
