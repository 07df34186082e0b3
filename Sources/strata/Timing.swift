import Foundation

enum Timing {
    /// Milliseconds per run: warm up for at least 100 ms (this machine runs slower for a
    /// while after being idle, which otherwise penalises whichever side goes first), then
    /// the median of at least `runs` runs and of as many as fit in 200 ms.
    static func median(runs: Int, _ work: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        repeat { work() } while DispatchTime.now().uptimeNanoseconds - start < 100_000_000
        var times: [Double] = []
        let timedStart = DispatchTime.now().uptimeNanoseconds
        while times.count < runs || (DispatchTime.now().uptimeNanoseconds - timedStart < 200_000_000 && times.count < 1000) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            work()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }
}
