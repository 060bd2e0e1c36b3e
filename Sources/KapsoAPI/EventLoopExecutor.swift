import NIOCore
import NIOPosix

/// Swift's global executor, run on the event loops that carry the HTTP client's connections.
///
/// Without it every answer from Kapso wakes a thread of Swift's pool from an event loop, and every
/// request wakes an event loop from the pool: at 20,000 requests (a first import of 10,000
/// workflows) those hand-offs cost about 14% of the process's CPU time (measured on first imports run
/// side by side; `perf` showed the futex and eventfd wake-ups). On the event loops, a task that
/// awaits an answer resumes on the thread that read it.
///
/// Nothing in the process blocks a global-executor thread for long: libgit2 runs on the store's own
/// queue, the watch of a stalled git connection and the status server's sockets on threads of their
/// own.
public enum EventLoopExecutor {
    /// Call first thing in `main`, on the main thread, before any task is created; once per process.
    /// Answers false where SwiftNIO cannot take the global executor over (the process then runs on
    /// Swift's own pool, as before).
    @discardableResult
    public static func install() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
