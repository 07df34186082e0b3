import Foundation

enum Timing {
    /// Milliseconds per run: warm up for at least `warmUpMs` (this machine runs slower for
    /// a while after being idle, which otherwise penalises whichever side goes first), then
    /// the median of at least `runs` runs and of as many as fit in `measureMs`.
    static func median(runs: Int, warmUpMs: Double = 100, measureMs: Double = 200, _ work: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        repeat { work() } while Double(DispatchTime.now().uptimeNanoseconds - start) < warmUpMs * 1e6
        var times: [Double] = []
        let timedStart = DispatchTime.now().uptimeNanoseconds
        while times.count < runs || (Double(DispatchTime.now().uptimeNanoseconds - timedStart) < measureMs * 1e6 && times.count < 1000) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            work()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }

    static func median(of values: [Double]) -> Double {
        let v = values.sorted()
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }
}
