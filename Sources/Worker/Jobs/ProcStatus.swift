/// Reads fields of `/proc/<pid>/status` from its bytes (a /proc walk reads hundreds of them: no
/// String splitting).
enum ProcStatus {
    /// The numbers of the `Uid:` line (real, effective, saved, filesystem), or none without one.
    static func uids(_ status: [UInt8]) -> [UInt32] {
        let key: [UInt8] = Array("\nUid:".utf8)
        guard let start = status.firstRange(of: key)?.upperBound else { return [] }
        var uids: [UInt32] = []
        var value: UInt64 = 0
        var digits = 0
        for byte in status[start...] {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
                if value > UInt64(UInt32.max) { return uids }
                continue
            }
            if digits > 0 { uids.append(UInt32(value)) }
            value = 0
            digits = 0
            if byte == UInt8(ascii: "\n") { break }
        }
        return uids
    }
}
