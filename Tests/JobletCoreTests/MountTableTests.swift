import Testing
@testable import JobletCore

@Suite struct MountTableTests {
    @Test func mountInfoPathsAreUnescaped() {
        let table = MountTable.parse(
            """
            36 35 98:0 /runtimes/my\\040rt/bin /mnt/job\\134x rw,noatime master:1 - ext3 /dev/root rw
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw

            """)
        #expect(
            table == [
                .init(device: "98:0", root: "/runtimes/my rt/bin", mountPoint: "/mnt/job\\x", type: "ext3"),
                .init(device: "254:0", root: "/", mountPoint: "/", type: "ext4"),
            ])
    }

    /// The type follows the lone `-`, after any number of optional fields (none, or several).
    @Test func typeFollowsTheSeparatorAfterOptionalFields() {
        let table = MountTable.parse(
            """
            30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate
            31 24 0:27 /docker/abc /sys/fs/cgroup/cpu\\054cpuacct rw shared:5 master:2 propagate_from:1 - cgroup cgroup rw,cpu,cpuacct
            32 24 0:28 / /weird rw - fuse.my\\040fs src rw
            33 24 0:29 / /cut rw
            """)
        #expect(table.map(\.type) == ["cgroup2", "cgroup", "fuse.my fs", ""])
        #expect(table[1].root == "/docker/abc")
        #expect(table[1].mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
    }

    /// A job disk's work directory mounted at a path with a space: found under its parent, deepest first.
    @Test func mountPointsUnderADirectoryAreUnescapedAndDeepestFirst() {
        let table = MountTable(
            mounts: MountTable.parse(
                """
                40 1 7:0 / /tmp/test\\040dir/disks/0/mnt rw - ext4 /dev/loop0 rw
                41 40 7:0 /work /tmp/test\\040dir/disks/0/mnt/job/work rw - ext4 /dev/loop0 rw
                42 1 7:1 / /tmp/test\\040dirx/mnt rw - ext4 /dev/loop1 rw
                43 1 0:30 / /tmp/test\\040dir rw - tmpfs tmpfs rw
                """))
        #expect(table.mountPoints(under: "/tmp/test dir") == ["/tmp/test dir/disks/0/mnt/job/work", "/tmp/test dir/disks/0/mnt"])
        #expect(table.mountPoints(under: "/tmp/test dir/") == table.mountPoints(under: "/tmp/test dir"))
        #expect(table.mountPoints.contains("/tmp/test dir"))
    }
}
