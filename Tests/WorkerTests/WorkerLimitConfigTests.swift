import JobletCore
import Testing
import Worker

/// worker.yml limits: safe ceilings out of the box, merged field by field, checked against each other.
struct WorkerLimitConfigTests {
    @Test func everyLimitHasACeilingOutOfTheBox() {
        let config = WorkerConfig().withHostCeilings(memoryTotal: 8 << 30, cpus: 2)
        let max = config.maxLimits
        #expect(max.memory == ByteSize(bytes: 8 << 30) && max.cpuPercent == 200 && max.pids == 4096)
        #expect(max.timeout == JobDuration(seconds: 86_400) && max.disk == ByteSize(bytes: 10 << 30) && max.output == ByteSize(bytes: 1 << 30))
        #expect(config.defaultLimits.firstExcess(over: max) == nil)
    }

    @Test func statingOneMaximumKeepsTheOthers() throws {
        let loaded = try WorkerConfig.load(text: "limits:\n  max:\n    memory: 2G\n  default:\n    pids: 10\n")
        let config = loaded.config.withHostCeilings(memoryTotal: 64 << 30, cpus: 8)
        #expect(config.maxLimits.memory == ByteSize(bytes: 2 << 30), "stated, so the host's 64G is not used")
        #expect(config.maxLimits.pids == 4096 && config.maxLimits.timeout == JobDuration(seconds: 86_400))
        #expect(config.maxLimits.cpuPercent == 800)
        #expect(config.defaultLimits.pids == 10 && config.defaultLimits.memory == ByteSize(bytes: 1 << 30))
    }

    @Test func aDefaultAboveItsMaximumIsAConfigError() {
        #expect {
            _ = try WorkerConfig.load(text: "limits:\n  default:\n    disk: 20G\n")
        } throws: { error in
            (error as? WorkerError)?.message == "limits.default: disk 20G is over limits.max (10G); lower the default or raise the maximum"
        }
        #expect(throws: WorkerError.self) { _ = try WorkerConfig.load(text: "limits:\n  max:\n    memory: 100T\n") }
    }
}
