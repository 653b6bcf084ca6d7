#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock time as Joblet's messages carry it: seconds since the Unix epoch.
public enum Clock {
    public static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
