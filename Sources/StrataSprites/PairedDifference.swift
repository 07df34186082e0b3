// The paired difference between two runs of `eval edit` on the same edits and seeds:
// its mean, and its standard error counted two ways. Over results treats every
// (edit, seed) pair as independent; over edits averages each edit's seeds first. The
// seeds of one edit share its source and its stages 1 and 2, so they agree more often
// than independent draws would: the error over edits is the honest one when they do.
public struct PairedDifference: Equatable, Sendable {
    public let mean: Double
    public let standardError: Double
    public let standardErrorOverEdits: Double

    /// `differences[edit][seed]`: the run's outcome minus the first run's (−1, 0 or 1).
    public init(_ differences: [[Double]]) {
        let all = SampleMean(differences.flatMap { $0 })
        mean = all.mean
        standardError = all.standardError
        standardErrorOverEdits = SampleMean(differences.map { SampleMean($0).mean }).standardError
    }
}
