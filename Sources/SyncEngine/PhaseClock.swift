import Foundation

/// Wall and CPU time of a cycle's phases, for the benchmark and the debug log. CPU time is the whole
/// process's (`getrusage`): the phases run one after another, and the work of a phase that runs on
/// several threads (the fetch) counts whole; its parts (canonicalising, writing blobs) are summed
/// from each thread's own CPU time.
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

    /// The CPU time, summed over the threads that did it, of one kind of work inside the phase just marked.
    mutating func part(_ name: String, cpuNanoseconds: Int) {
        timings.append(.init(name: name, wallMilliseconds: nil, cpuMilliseconds: Double(cpuNanoseconds) / 1e6))
    }

    static func processCPUMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
    }
}
