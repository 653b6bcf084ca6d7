import Foundation
import Isolation
import Testing

@Suite(.enabled(if: getuid() == 0))
struct SandboxSmokeTests {
    @Test func echoRuns() async throws {
        let run = try await SandboxHarness.sh("echo hello; echo oops >&2; exit 3")
        print(run)
        #expect(run.out == "hello\n")
        #expect(run.err == "oops\n")
        #expect(run.status == .exited(3))
    }
}
