import Foundation
import Synchronization

/// Ctrl-C (SIGINT) or SIGTERM during a long run: the run finishes its current step,
/// saves, and exits, instead of losing everything since its last save.
enum StopRequest {
    private static let requested = Atomic<Bool>(false)
    private static var sources: [DispatchSourceSignal] = []

    static var isRequested: Bool { requested.load(ordering: .relaxed) }

    static func install(message: String = "stopping after this step; saving the run …") {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                requested.store(true, ordering: .relaxed)
                FileHandle.standardError.write(Data("\n\(message)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// Runs a resumable training run until it ends, Ctrl-C or SIGTERM asks it to stop, or
/// `minutes` have passed; the run saves whichever comes first.
func untilStopped(minutes: Double?, _ run: (_ shouldStop: () -> Bool) throws -> Void) throws {
    let deadline = minutes.map { Date().addingTimeInterval($0 * 60) }
    StopRequest.install()
    try run { StopRequest.isRequested || (deadline.map { Date() > $0 } ?? false) }
}
