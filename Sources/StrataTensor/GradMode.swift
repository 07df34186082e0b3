// Whether operations record themselves for autograd. Inference runs with recording
// off, so no intermediate outlives the operation that reads it.

public enum GradMode {
    @TaskLocal static var enabled = true

    public static var isEnabled: Bool { enabled }

    /// Runs `body` with no autograd recording.
    public static func disabled<T>(_ body: () throws -> T) rethrows -> T {
        try $enabled.withValue(false, operation: body)
    }

    /// Runs `body` with autograd recording (inside a `disabled` region, for recomputation).
    public static func recording<T>(_ body: () throws -> T) rethrows -> T {
        try $enabled.withValue(true, operation: body)
    }
}
