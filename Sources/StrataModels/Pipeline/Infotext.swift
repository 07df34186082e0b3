// The generation settings as an A1111-style `parameters` text, which other tools read
// back from a PNG.
import Foundation

public enum Infotext {
    /// A1111's short model hash: the first 10 hex digits of the SHA-256 of the weights file.
    public static func shortHash(ofFile path: String) throws -> String {
        String(try SHA256.hexDigest(ofFile: path).prefix(10))
    }

    public static func parameters(_ s: TextToImageSettings, modelHash: String?, modelName: String?, rng: String) -> String {
        var lines = [s.prompt]
        if !s.negativePrompt.isEmpty { lines.append("Negative prompt: \(s.negativePrompt)") }
        var fields = ["Steps: \(s.steps)", "Sampler: \(s.scheduler.displayName)", "CFG scale: \(format(s.guidanceScale))",
                      "Seed: \(s.seed)", "Size: \(s.width)x\(s.height)"]
        if let modelHash { fields.append("Model hash: \(modelHash)") }
        if let modelName { fields.append("Model: \(modelName)") }
        if s.guidanceStart != 0 { fields.append("Guidance start: \(format(s.guidanceStart))") }
        if s.eta != 0 { fields.append("Eta: \(format(s.eta))") }
        fields.append("RNG: \(rng)")
        lines.append(fields.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }
}
