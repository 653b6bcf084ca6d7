/// The kernel's CPU list syntax (`"0-3,6"`), as used by cpuset.cpus and sysfs.
enum CPUList {
    /// The CPUs named by `text`, or nil when the syntax is invalid.
    static func parse(_ text: String) -> Set<Int>? {
        let trimmed = CgroupFS.trimmed(text)
        if trimmed.isEmpty { return [] }
        var cpus = Set<Int>()
        for item in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2,
                bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low <= high, high < 65536
            else { return nil }
            cpus.formUnion(low...high)
        }
        return cpus
    }
}
