#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport

/// A thread on which openat2 fails with ENOSYS, as on Linux before 5.6 or under a seccomp profile
/// that does not know the call: a seccomp filter of its own, which goes away with the thread.
enum HiddenOpenat2 {
    /// Runs `body` on such a thread; returns what it threw (nil when it returned).
    static func run(_ body: @escaping @Sendable () throws -> Void) async throws -> (any Error)? {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "prctl") else {
                    continuation.resume(throwing: HostileTreeError(what: "prctl not found", code: ENOSYS))
                    return
                }
                // prctl(2) is variadic, which Swift cannot call as declared; all five arguments given.
                let prctl = unsafeBitCast(symbol, to: Prctl.self)
                let installed = filter.withUnsafeBufferPointer { instructions in
                    // struct sock_fprog { unsigned short len; struct sock_filter *filter; }, little-endian.
                    let program: [UInt] = [UInt(instructions.count), UInt(bitPattern: instructions.baseAddress)]
                    return program.withUnsafeBytes { prctl(setSeccomp, filterMode, $0.baseAddress, 0, 0) }
                }
                guard installed == 0 else {
                    continuation.resume(throwing: HostileTreeError(what: "prctl(PR_SET_SECCOMP)", code: errno))
                    return
                }
                do {
                    try body()
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error)
                }
            }
        }
    }

    private typealias Prctl = @convention(c) (Int32, UInt, UnsafeRawPointer?, UInt, UInt) -> Int32
    private static let setSeccomp: Int32 = 22  // PR_SET_SECCOMP
    private static let filterMode: UInt = 2  // SECCOMP_MODE_FILTER

    /// Classic BPF over seccomp_data: openat2 (437 on every architecture) fails with ENOSYS, the
    /// rest is allowed. Each is a little-endian struct sock_filter { u16 code; u8 jt, jf; u32 k }.
    private static let filter: [UInt64] = [
        instruction(0x20, k: 0),  // BPF_LD|BPF_W|BPF_ABS: the call's number
        instruction(0x15, jumpIfFalse: 1, k: 437),  // BPF_JMP|BPF_JEQ|BPF_K
        instruction(0x06, k: 0x0005_0000 | UInt32(ENOSYS)),  // BPF_RET: SECCOMP_RET_ERRNO
        instruction(0x06, k: 0x7fff_0000),  // BPF_RET: SECCOMP_RET_ALLOW
    ]

    private static func instruction(_ code: UInt16, jumpIfFalse: UInt8 = 0, k: UInt32) -> UInt64 {
        UInt64(code) | UInt64(jumpIfFalse) << 24 | UInt64(k) << 32
    }
}
