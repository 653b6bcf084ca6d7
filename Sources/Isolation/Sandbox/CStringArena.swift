#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Owns the C strings and arrays handed to the clone child; everything is allocated before
/// clone (the child must not allocate) and freed when the arena goes away.
final class CStringArena {
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var arrays: [UnsafeMutableRawPointer] = []

    deinit {
        for s in strings { free(s) }
        for a in arrays { a.deallocate() }
    }

    func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(value) ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        strings.append(copy)
        return copy
    }

    func optional(_ value: String?) -> UnsafePointer<CChar>? {
        value.map { UnsafePointer(string($0)) }
    }

    /// A NULL-terminated `char *const[]`.
    func stringArray(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: values.count + 1)
        for (i, value) in values.enumerated() { array[i] = string(value) }
        array[values.count] = nil
        arrays.append(UnsafeMutableRawPointer(array))
        return array
    }

    /// Uninitialised, page-aligned memory (e.g. a stack for the command child).
    func raw(byteCount: Int) -> UnsafeMutableRawPointer {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 4096)
        arrays.append(pointer)
        return pointer
    }

    /// A buffer of `count` elements, copied from `values`.
    func buffer<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
        arrays.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }
}
