#if canImport(Glibc)
    import Glibc
#endif

/// glibc's allocator gives each thread that meets a locked arena an arena of its own, up to eight per
/// core. The service's threads (Swift's pool, the HTTP client's event loops, the git queue) take turns
/// on the same work, so each arena keeps memory the next cycle's threads cannot reuse: at 10,000
/// workflows, cycles inside one process peaked at 315–328 MB while packing, and at 230–237 MB with one
/// arena (`make bench SCALE=10000`; docs/design-notes.md, "One malloc arena"). Called first thing in
/// `main`, before any thread is started.
public enum MallocArenas {
    /// The arenas the process keeps: one, as measured above.
    public static let limit: Int32 = 1

    /// Limits the arenas, unless the environment sets their number: an operator's setting wins.
    /// Returns whether the limit was set.
    @discardableResult
    public static func limitUnlessTuned(environment: [String: String]) -> Bool {
        guard shouldLimit(environment: environment) else { return false }
        #if canImport(Glibc)
            // Swift's Glibc module leaves out <malloc.h>: `mallopt` is looked up by name, and
            // `M_ARENA_MAX` is glibc's value for it (-8, part of its ABI).
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
            return unsafeBitCast(symbol, to: Mallopt.self)(-8, limit) == 1
        #else
            return false
        #endif
    }

    /// Whether the limit applies: not when `MALLOC_ARENA_MAX` is set or `GLIBC_TUNABLES` names
    /// `glibc.malloc.arena_max` (glibc reads both).
    public static func shouldLimit(environment: [String: String]) -> Bool {
        if environment["MALLOC_ARENA_MAX"] != nil { return false }
        guard let tunables = environment["GLIBC_TUNABLES"] else { return true }
        let names = tunables.split(separator: ":").map { $0.split(separator: "=", maxSplits: 1).first ?? "" }
        return !names.contains("glibc.malloc.arena_max")
    }
}
