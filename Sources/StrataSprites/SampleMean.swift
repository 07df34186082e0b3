// A measured mean with its standard error: a share (values 0 or 1, one per generated
// image) or an average such as a mask IoU, each image counting on its own.
public struct SampleMean: Equatable, Sendable, Codable {
    public let mean: Double
    /// Sample standard deviation over √n.
    public let standardError: Double
    public let count: Int

    public init(_ values: [Double]) {
        count = values.count
        mean = values.reduce(0, +) / Double(max(values.count, 1))
        let m = mean
        standardError = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(values.count - 1, 1)) / Double(max(values.count, 1))).squareRoot()
    }

    /// The share of `outcomes` that are true.
    public init(outcomes: [Bool]) { self.init(outcomes.map { $0 ? 1 : 0 }) }

    /// "97.2% ± 0.8" for a share, "0.912 ± 0.004" for an average.
    public func text(percent: Bool) -> String {
        percent ? String(format: "%.1f%% ± %.1f", mean * 100, standardError * 100) : String(format: "%.3f ± %.3f", mean, standardError)
    }

    /// A paired difference: "+3.5 points ± 1.2" for shares, "+0.012 ± 0.004" for averages.
    public func text(signedPercent: Bool) -> String {
        signedPercent ? String(format: "%+.1f points ± %.1f", mean * 100, standardError * 100) : String(format: "%+.3f ± %.3f", mean, standardError)
    }

    enum CodingKeys: String, CodingKey { case mean, count, standardError = "se" }
}
