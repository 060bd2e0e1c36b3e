#if canImport(Glibc)
    import Glibc
#endif

/// CPU time of the calling thread. The cost of a piece of synchronous work, where other threads run
/// beside it: the process's CPU time counts theirs too.
public enum ThreadCPUTime {
    public static func nanoseconds() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }
}
