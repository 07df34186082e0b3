// Aligned fp32 buffers, recycled through BufferPool.

/// A reference-counted, 64-byte aligned buffer of fp32 values.
public final class Storage {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count: count)
    }

    deinit { BufferPool.shared.give(pointer, count: count) }
}
