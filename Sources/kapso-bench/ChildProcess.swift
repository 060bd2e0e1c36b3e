import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to its end with `posix_spawn` and `wait4`, for its own resource usage (CPU time and
/// peak memory of that child alone, which `Process` does not give).
struct ChildProcess {
    struct Usage {
        let status: Int32
        let wallMilliseconds: Double
        let cpuMilliseconds: Double
        let peakMemoryMB: Int
    }

    /// `errorOutput`: a file for its standard error, which otherwise goes nowhere.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], errorOutput: String = "/dev/null"
    )
        throws -> Usage
    {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Its output is not what is measured.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let clock = ContinuousClock()
        let start = clock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Benchmark.BenchmarkError(description: "cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw Benchmark.BenchmarkError(description: "wait4 failed: error \(errno)") }
        }
        let elapsed = clock.now - start
        let cpu =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
        return Usage(
            // Killed by a signal: 128 + its number, as a shell says it.
            status: status & 0x7f != 0 ? 128 + (status & 0x7f) : (status >> 8) & 0xff,
            wallMilliseconds: Benchmark.milliseconds(elapsed),
            cpuMilliseconds: cpu, peakMemoryMB: usage.ru_maxrss / 1024)
    }
}
