import Foundation

enum Timing {
    /// Milliseconds: one warm-up run, then the median of `runs`.
    static func median(runs: Int, _ work: () -> Void) -> Double {
        work()
        var times: [Double] = []
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            work()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }
}
