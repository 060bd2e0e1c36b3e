import Foundation

/// Wall and CPU time of a cycle's phases, for the benchmark and the debug log. CPU time is the whole
/// process's (`getrusage`): the phases run one after another, and the work of a phase that runs on
/// several threads (the fetch) counts whole.
struct PhaseClock {
    private(set) var timings: [CycleReport.PhaseTiming] = []
    private var wallMark = ContinuousClock.now
    private var cpuMark = PhaseClock.processCPUMilliseconds()

    /// Ends the phase running since the last mark (or since the clock was made), under `name`.
    mutating func mark(_ name: String) {
        let now = ContinuousClock.now
        let cpu = Self.processCPUMilliseconds()
        let wall = now - wallMark
        timings.append(
            .init(
                name: name,
                wallMilliseconds: Double(wall.components.seconds) * 1000 + Double(wall.components.attoseconds) / 1e15,
                cpuMilliseconds: cpu - cpuMark))
        wallMark = now
        cpuMark = cpu
    }

    static func processCPUMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
    }
}
