import CSystemCalls

/// This process's heap as glibc's allocator counts it, for leak checks and the daemons' metrics.
public enum ProcessHeap {
    /// Bytes handed out and not had back (arena chunks in use plus mmapped chunks): unlike RSS, not
    /// moved by the allocator keeping freed memory for later.
    public static var bytesInUse: Int { Int(joblet_heap_in_use()) }
}
