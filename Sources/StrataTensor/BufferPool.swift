// Keeps freed buffers by exact size so that the next training or sampling step, which
// asks for the same shapes, reuses them instead of paying for fresh pages.
import Foundation

final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    /// Buffers below this size go straight back to malloc; pooling them saves nothing.
    private let minPooledCount = 4096
    /// Upper bound on bytes held idle in the pool.
    var capacityBytes = 2 << 30
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var heldBytes = 0
    private let lock = NSLock()
    /// Bytes handed out and not yet returned, and the most that ever were since `resetPeak`.
    private(set) var liveBytes = 0
    private(set) var peakLiveBytes = 0

    /// Starts a new peak measurement from the current live bytes.
    func resetPeak() {
        lock.lock(); peakLiveBytes = liveBytes; lock.unlock()
    }

    private func count(_ delta: Int) {
        liveBytes += delta
        if liveBytes > peakLiveBytes { peakLiveBytes = liveBytes }
    }

    func take(count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        lock.lock()
        self.count(n * 4)
        if n >= minPooledCount, var list = free[n], let p = list.popLast() {
            free[n] = list
            heldBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func give(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        lock.lock()
        self.count(-n * 4)
        if n >= minPooledCount && heldBytes + n * 4 <= capacityBytes {
            free[n, default: []].append(p)
            heldBytes += n * 4
            lock.unlock()
            return
        }
        lock.unlock()
        UnsafeMutableRawPointer(p).deallocate()
    }
}
