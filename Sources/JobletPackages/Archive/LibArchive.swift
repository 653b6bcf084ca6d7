import CArchive
import JobletCore

/// libarchive's functions, loaded when the first archive is opened rather than linked (CArchive.h says
/// why). Called by their libarchive names: `lib.archive_read_new()`.
@dynamicMemberLookup
struct LibArchive {
    private let functions: UnsafePointer<joblet_libarchive>

    /// The process's libarchive, loaded once; `.system` saying what to install when it is missing.
    static func shared() throws -> LibArchive {
        var reason: UnsafePointer<CChar>?
        guard let functions = joblet_libarchive_shared(&reason) else {
            throw unavailable(JOBLET_LIBARCHIVE_SONAME, reason: reason.map { String(cString: $0) })
        }
        return LibArchive(functions: functions)
    }

    /// Loads `name` afresh, not cached (tests load a library that does not exist).
    static func load(_ name: String) throws -> LibArchive {
        var reason = [CChar](repeating: 0, count: 512)
        guard let functions = joblet_libarchive_load(name, &reason, reason.count) else {
            let text = reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw unavailable(name, reason: String(decoding: text, as: UTF8.self))
        }
        return LibArchive(functions: functions)
    }

    subscript<Function>(dynamicMember function: KeyPath<joblet_libarchive, Function>) -> Function {
        functions.pointee[keyPath: function]
    }

    /// dlerror's reason goes in the message, not the cause: rnx shows only the message.
    private static func unavailable(_ name: String, reason: String?) -> JobletError {
        JobletError(
            .system,
            "\(name) could not be loaded (\(reason ?? "no reason given")): archives need it; install Debian's libarchive13 (apt-get install libarchive13)")
    }
}
